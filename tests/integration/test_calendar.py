"""A member's calendar feed (SPEC §2 !calendar, §4, §7) read by clients
that are not ours: curl fetches it and Debian's python3-icalendar parses
it; Debian's vdirsyncer subscribes to it over HTTP (an http storage
paired into a filesystem vdir) and khal lists it in another time zone
than the conference's, before and after a !move and a !cancel.

The link is read where the bot puts it: in the member's direct room,
which the bot makes on first need (encryption is off for this bot so
that a plain client reads it); the room where it was asked never sees it."""
import datetime
import json
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from zoneinfo import ZoneInfo

import pytest

from conftest import User, free_port, room_with_bot, run

icalendar = pytest.importorskip("icalendar")

CONF_TZ = ZoneInfo("Asia/Dubai")
HERE_TZ = "America/New_York"       # the member's phone, far from the conference
LINK = re.compile(r"http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]{22}\.ics")


def http_extra(port):
    return f"""
[http]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}/"

[encryption]
enabled = false
"""


def wait_listening(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except urllib.error.HTTPError:
            return          # 503 before the first sync: listening all the same
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing listens on port {port}")


def curl(url, *headers):
    """(status, headers as a dict with lower-case names, body) by curl."""
    args = ["curl", "-sS", "-D", "-", "--max-time", "10"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [url], capture_output=True, check=True, timeout=20).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return status, hdrs, body.decode()


def session_no(answer):
    m = re.search(r"#(\d+)", answer["content"]["body"])
    assert m, answer["content"]["body"]
    return int(m.group(1))


async def say(alice, room, bot, text):
    eid = await alice.send(room, text)
    return await alice.wait_reply(room, bot, eid)


async def calendar_link(alice, bot, room, words="!calendar", known=()):
    """Ask for the link in an issue room; the answer there must not hold it.
    Returns the new link, read in alice's direct room with the bot (made
    by the bot on first need: alice joins when invited)."""
    ans = await say(alice, room, bot, words)
    assert "direct room" in ans["content"]["body"], ans["content"]["body"]
    assert "/calendar/" not in json.dumps(ans["content"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = await alice.sync(500)
        for rid in r.rooms.invite:
            await alice.join(rid)
        for rid, evs in alice.events.items():
            if rid == room:
                continue
            for e in evs:
                if e.get("sender") == bot.user_id:
                    for link in LINK.findall(e.get("content", {}).get("body", "")):
                        if link not in known:
                            return link
    raise AssertionError("no calendar link reached alice's direct room within 60 s")


def feed(link):
    st, hdrs, body = curl(link)
    assert st == 200, (st, body)
    assert hdrs["content-type"].startswith("text/calendar"), hdrs
    return hdrs, icalendar.Calendar.from_ical(body)


def events(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def at(day, hh, mm):
    return datetime.datetime.combine(day, datetime.time(hh, mm), CONF_TZ)


class Subscriber:
    """vdirsyncer pulling the feed into a vdir, khal reading that vdir in
    HERE_TZ."""

    def __init__(self, base, url):
        self.base = base
        self.vdir = base / "vdir"
        self.vdir.mkdir(parents=True)
        (base / "status").mkdir()
        self.env = {"HOME": str(base), "TZ": HERE_TZ, "PATH": "/usr/bin:/bin",
                    "LANG": "C.UTF-8"}
        (base / "vdirsyncer.conf").write_text(f"""
[general]
status_path = "{base / 'status'}/"

[pair member]
a = "member_feed"
b = "member_vdir"
collections = null
conflict_resolution = "a wins"

[storage member_feed]
type = "http"
url = "{url}"

[storage member_vdir]
type = "filesystem"
path = "{self.vdir}/"
fileext = ".ics"
""")
        (base / "khal.conf").write_text(f"""
[calendars]
[[member]]
path = {self.vdir}/

[locale]
local_timezone = {HERE_TZ}
default_timezone = {HERE_TZ}
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M

[sqlite]
path = {base / 'khal.db'}
""")
        self.vdirsyncer("discover")

    def vdirsyncer(self, *args):
        out = subprocess.run(["vdirsyncer", "-c", str(self.base / "vdirsyncer.conf"), *args],
                             env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout + out.stderr

    def sync(self):
        return self.vdirsyncer("sync")

    def khal(self, first_day):
        out = subprocess.run(["khal", "-c", str(self.base / "khal.conf"), "list",
                              "--format", "{cancelled}{start-date} {start-time}-{end-time} "
                              "{title}", first_day.strftime("%Y-%m-%d"), "4d"],
                             env=self.env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    def items(self, title):
        """The VEVENTs titled 'title' in the vdir.  (vdirsyncer's http
        storage replaces every UID by a hash of the item, as many feeds'
        UIDs are unstable: a changed event is a new item, the old one
        deleted.)"""
        return [e for f in self.vdir.glob("*.ics")
                for e in icalendar.Calendar.from_ical(f.read_text()).walk("VEVENT")
                if str(e["SUMMARY"]) == title]


def local_line(start, end, title, prefix=""):
    """How khal, in HERE_TZ, prints a session of start..end."""
    here = ZoneInfo(HERE_TZ)
    s, e = start.astimezone(here), end.astimezone(here)
    return f"{prefix}{s:%Y-%m-%d} {s:%H:%M}-{e:%H:%M} {title}"


@pytest.mark.skipif(not shutil.which("vdirsyncer") or not shutil.which("khal"),
                    reason="vdirsyncer and khal are not installed (tests/deps.sh)")
def test_calendar_feed(homeserver, bot_factory, tmp_path):
    port = free_port()
    bot = bot_factory(homeserver, extra=http_extra(port)).start()
    wait_listening(port)
    tomorrow = datetime.datetime.now(CONF_TZ).date() + datetime.timedelta(days=1)
    server = bot.user_id.split(":", 1)[1]

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        linked = await say(alice, room, bot, "!issue link cyber")
        assert "Cybersecurity's room" in linked["content"]["body"]
        await say(alice, room, bot, "!cover cyber")
        n1 = session_no(await say(alice, room, bot, "!session cyber tomorrow 14:00-15:30 "
                                  "Drafting Res. 130 @ Room D"))
        n2 = session_no(await say(alice, room, bot, "!session privacy tomorrow 10:00 "
                                  "Data flows"))
        await say(alice, room, bot, f"!attend {n2}")
        n3 = session_no(await say(alice, room, bot, "!session privacy tomorrow 12:00 "
                                  "Not hers"))

        link = await calendar_link(alice, bot, room)
        hdrs, cal = feed(link)
        tzs = [str(z["TZID"]) for z in cal.walk("VTIMEZONE")]
        assert tzs == ["Asia/Dubai"], tzs
        ev = events(cal)
        assert set(ev) == {f"{n1}@{server}", f"{n2}@{server}"}, set(ev)
        assert f"{n3}@{server}" not in ev
        e1, e2 = ev[f"{n1}@{server}"], ev[f"{n2}@{server}"]
        assert e1.decoded("DTSTART") == at(tomorrow, 14, 0)
        assert e1.decoded("DTEND") == at(tomorrow, 15, 30)
        assert int(e1["SEQUENCE"]) == 0
        assert str(e1["LOCATION"]) == "Room D"
        assert str(e1["STATUS"]) == "CONFIRMED"
        d1, d2 = str(e1["DESCRIPTION"]), str(e2["DESCRIPTION"])
        assert "Cybersecurity" in d1 and "https://matrix.to/#/" + room in d1, d1
        assert "Privacy and data protection" in d2 and alice.user_id in d2, d2
        for e in (e1, e2):
            trig = sorted(a.decoded("TRIGGER") for a in e.walk("VALARM"))
            assert trig == [-datetime.timedelta(minutes=30), -datetime.timedelta(minutes=5)]
        print(f"calendar: feed of {len(ev)} sessions parsed by python3-icalendar, "
              f"{sum(len(e.walk('VALARM')) for e in ev.values())} VALARMs")

        # ETag / If-None-Match; a bad token gets 404 and nothing else
        etag = hdrs["etag"]
        st, _, body = curl(link, f"If-None-Match: {etag}")
        assert st == 304 and body == ""
        st, _, body = curl(link, 'If-None-Match: "not-it"')
        assert st == 200
        bad = link[:-10] + ("A" if link[-10] != "A" else "B") + link[-9:]
        for url in (bad, link[:-4], link + "x", f"http://127.0.0.1:{port}/calendar/"):
            st, h, body = curl(url)
            assert st == 404 and body == "not found\n" and "etag" not in h, (url, st, body)

        # a phone-like subscriber in another zone
        sub = Subscriber(tmp_path / "sub", link)
        sub.sync()
        first = tomorrow - datetime.timedelta(days=1)
        out = sub.khal(first)
        for line in (local_line(at(tomorrow, 14, 0), at(tomorrow, 15, 30), "Drafting Res. 130"),
                     local_line(at(tomorrow, 10, 0), at(tomorrow, 11, 0), "Data flows")):
            assert line in out.splitlines(), f"{line!r} not in khal's list:\n{out}"
        assert "Not hers" not in out
        print(f"calendar: khal in {HERE_TZ} lists:\n{out}")

        # a move: the second sync brings the new time, SEQUENCE up
        await say(alice, room, bot, f"!move {n1} tomorrow 17:00")
        sub.sync()
        out = sub.khal(first)
        moved = local_line(at(tomorrow, 17, 0), at(tomorrow, 18, 30), "Drafting Res. 130")
        assert moved in out.splitlines(), f"{moved!r} not in khal's list:\n{out}"
        assert local_line(at(tomorrow, 14, 0), at(tomorrow, 15, 30),
                          "Drafting Res. 130") not in out.splitlines()
        print(f"calendar: after !move, vdirsyncer sync, khal lists:\n{out}")
        (item,) = sub.items("Drafting Res. 130")
        assert int(item["SEQUENCE"]) == 1 and item.decoded("DTSTART") == at(tomorrow, 17, 0)
        st, h, _ = curl(link, f"If-None-Match: {etag}")
        assert st == 200 and h["etag"] != etag

        # a cancellation: cancelled (or gone) for the subscriber too
        await say(alice, room, bot, f"!cancel {n1}")
        sub.sync()
        out = sub.khal(first)
        items = sub.items("Drafting Res. 130")
        assert len(items) <= 1
        item = items[0] if items else None
        assert item is None or str(item["STATUS"]) == "CANCELLED"
        assert moved not in out.splitlines(), out
        assert item is None or "CANCELLED " + moved in out.splitlines(), out
        print(f"calendar: after !cancel, vdirsyncer sync, khal lists:\n{out}")

        # !calendar reset: the old link dies, the new one works
        new = await calendar_link(alice, bot, room, "!calendar reset", known={link})
        assert new != link
        assert curl(link)[0] == 404
        assert curl(new)[0] == 200

        # alice no longer allowed: her link is refused from the next reload on
        text = bot.config.read_text()
        bot.config.write_text(re.sub(r"allowed_users = \[.*\]",
                                     'allowed_users = ["@bob:localhost"]', text))
        mark = len(bot.log())
        bot.signal(signal.SIGHUP)
        bot.wait_log(r"reloaded", after=mark)
        st, _, body = curl(new)
        assert st == 404 and body == "not found\n"
        for url in (link, new):
            assert url.rsplit("/", 1)[1] not in bot.log(), "a calendar token in the log"
        await alice.close()
    run(go(), 240)
