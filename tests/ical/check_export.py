"""caucus export ISSUE --format ics, read by an independent client.

Makes three sessions through the console (one moved twice, one cancelled),
exports the issue as iCalendar and parses it with Debian's python3-icalendar:
UID <id>@<server>, SEQUENCE raised by each move, STATUS:CANCELLED, the
conference VTIMEZONE, local times, one VALARM per reminders.before, and a
DESCRIPTION with the issue, the attendees and the room link.
Run with Debian's /usr/bin/python3 from the repository root.
"""
import os
import re
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

try:
    import icalendar
except ImportError:
    print("check_export: python3-icalendar is not installed (tests/deps.sh)")
    sys.exit(1)

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
caucus = os.path.join(root, "caucus")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    text = open(os.path.join(root, "bot.example.toml"), encoding="utf-8").read()
    text = re.sub(r'(?m)^database = .*$', 'database = "export.db"', text)
    config = os.path.join(tmp, "bot.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(text)
    env = dict(os.environ, CAUCUS_NOW="2018-11-05 09:00")
    script = "\n".join([
        "!session cyber 14:00-15:30 Drafting group on Res. 130, second reading @ Room D",
        "!attend 1",
        "!session cyber 16:00 Informal consultations",
        "!session cyber tomorrow 10:00 Briefing",
        "!move 1 15:00",
        "!move 1 16:30",
        "!cancel 2",
    ]) + "\n"
    proc = subprocess.run([caucus, "console", "-c", config, "--as", "@alice:example.org",
                           "--room", "cybersecurity"], input=script.encode(),
                          capture_output=True, env=env, timeout=60)
    check(proc.returncode == 0, f"console exit {proc.returncode}: {proc.stderr!r}")
    out = subprocess.run([caucus, "export", "-c", config, "cybersecurity", "--format", "ics"],
                         capture_output=True, env=env, timeout=60)
    check(out.returncode == 0, f"export exit {out.returncode}: {out.stderr!r}")
    body = out.stdout.decode("utf-8")
    check("\r\n" in body and "\n" not in body.replace("\r\n", ""), "lines end in CRLF")
    cal = icalendar.Calendar.from_ical(body)
    check(cal.get("VERSION") == "2.0", "VERSION:2.0")
    tzs = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    check(tzs == ["Asia/Dubai"], f"one VTIMEZONE Asia/Dubai, not {tzs}")
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    check(sorted(events) == ["1@example.org", "2@example.org", "3@example.org"],
          f"UIDs: {sorted(events)}")
    dubai = timezone(timedelta(hours=4))
    e1 = events.get("1@example.org")
    if e1 is not None:
        start, end = e1["DTSTART"].dt, e1["DTEND"].dt
        check(start == datetime(2018, 11, 5, 16, 30, tzinfo=dubai), f"#1 starts {start}")
        check(end - start == timedelta(minutes=90), f"#1 lasts {end - start}")
        check(start.utcoffset() == timedelta(hours=4), "#1 in +04:00")
        check(e1["DTSTART"].params.get("TZID") == "Asia/Dubai", "#1 TZID=Asia/Dubai")
        check(int(e1["SEQUENCE"]) == 2, f"#1 SEQUENCE {e1.get('SEQUENCE')} after two moves")
        check(str(e1["STATUS"]) == "CONFIRMED", "#1 CONFIRMED")
        check(str(e1["SUMMARY"]) == "Drafting group on Res. 130, second reading",
              f"#1 SUMMARY {e1.get('SUMMARY')}")
        check(str(e1["LOCATION"]) == "Room D", "#1 LOCATION")
        desc = str(e1["DESCRIPTION"])
        check("Cybersecurity" in desc and "@alice:example.org" in desc,
              f"#1 DESCRIPTION {desc!r}")
        triggers = sorted(a["TRIGGER"].dt for a in e1.walk("VALARM"))
        check(triggers == [timedelta(minutes=-30), timedelta(minutes=-5)],
              f"#1 alarms {triggers}")
    e2 = events.get("2@example.org")
    if e2 is not None:
        check(str(e2["STATUS"]) == "CANCELLED", "#2 CANCELLED")
        check(int(e2["SEQUENCE"]) == 0, "#2 SEQUENCE 0")
        check(not e2.walk("VALARM"), "#2 has no alarms")
    e3 = events.get("3@example.org")
    if e3 is not None:
        check(e3["DTSTART"].dt == datetime(2018, 11, 6, 10, 0, tzinfo=dubai),
              f"#3 starts {e3['DTSTART'].dt}")
        check("nobody" in str(e3["DESCRIPTION"]), "#3 nobody attending")
    bad = subprocess.run([caucus, "export", "-c", config, "cybersecurity", "--format", "ical"],
                         capture_output=True, timeout=60)
    check(bad.returncode != 0 and b"md, json or ics" in bad.stderr, "a bad --format is refused")

if failures:
    for f in failures:
        print("check_export: FAIL:", f)
    sys.exit(1)
print("check_export: python3-icalendar read the export: 3 events, SEQUENCE, CANCELLED, "
      "VTIMEZONE, VALARMs ok")
