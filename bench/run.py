"""run.py - the ingest benchmark: caucus, a matrix-nio bot and the raw sqlite
limit on the same backlog, in the same run, with the ratios.

For each size it makes one backlog (gen.py), then RUNS times:
  caucus   `caucus run` against fakehs.py: a first sync, then the backlog as
           a real server gives it (each timeline cut to the bot's filter,
           the rest paged through /messages).  events/s counts from the
           moment the backlog is released to the bot's next /sync (the
           backlog committed); "answers" is the time from there to the
           last of the commands' answers; RSS from /proc: idle before the
           backlog, peak, and after it was applied (and of idle and after,
           the anonymous part: the heap and stacks without the shared
           libraries' pages).
  nio      nio_bot.py on the whole backlog file.
  raw      raw_insert: the same number of rows into caucus's own schema,
           FTS5 by trigger and by its own statement.
Medians are printed.  Loopback only.

Usage: run.py [--sizes 30x100,100x100,300x300] [--runs 3] [--check]
  --check: one small run that must be complete (every command answered,
           every message logged); exits 1 otherwise.  For `make check`.
"""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gen
from fakehs import FakeHomeserver

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CAUCUS = ROOT / "caucus"
RAW = ROOT / "build" / "bench" / "raw_insert"
LAT = ROOT / "build" / "bench" / "engine_lat"
# p99 ms, issue 13's targets; both searches are held to the search target
TARGETS = {"mix": 1.0, "search-third": 20.0, "search-zipf": 20.0, "digest": 50.0}
LAT_NOTES = {
    "mix": "the integration tests' commands in a room with a week's 20,000 entries",
    "search-third": "worst case: every word in a third of the log, most pairs match nothing",
    "search-zipf": "realistic: 5,000 words drawn with a Zipf distribution, 1 or 2 a query",
    "digest": "one issue's day",
}
PY = "/usr/bin/python3"


def proc_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def anon_kib(pid):
    """The process's own memory (heap, stacks, anonymous maps), without the
    shared libraries' pages that VmRSS also counts."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Anonymous:"):
                return int(line.split()[1])
    return 0


def wait(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


def run_caucus(backlog, rooms, tmp):
    hs = FakeHomeserver(backlog, rooms).start()
    db = tmp / "caucus.db"
    for p in tmp.glob("caucus.db*"):
        p.unlink()
    cfg = tmp / "bench.toml"
    cfg.write_text(gen.config(rooms, db, hs.port))
    log = open(tmp / "caucus.log", "w")
    proc = subprocess.Popen([str(CAUCUS), "run", "-c", str(cfg)], stdout=log, stderr=log,
                            cwd=tmp)
    try:
        wait(hs.first_sync.is_set, 60, "the first sync")
        wait(lambda: hs.waiting_backlog, 60, "the bot to ask for more")
        time.sleep(0.5)
        idle = proc_kib(proc.pid, "VmRSS")
        idle_anon = anon_kib(proc.pid)
        t0 = time.monotonic()
        hs.release.set()
        wait(lambda: hs.t_caught_up is not None, 600, "the backlog to be applied")
        hs.done.wait(120)
        peak = proc_kib(proc.pid, "VmHWM")
        time.sleep(0.5)
        after = proc_kib(proc.pid, "VmRSS")
        after_anon = anon_kib(proc.pid)
        t_caught = hs.t_caught_up
        last = max(hs.sends.values()) if hs.sends else t_caught
        sent = len(hs.sends)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        hs.stop()
    con = sqlite3.connect(db)
    logged = con.execute("SELECT count(*) FROM log WHERE kind = 'message'").fetchone()[0]
    con.close()
    return {"events": hs.events, "commands": hs.commands, "sent": sent, "logged": logged,
            "seconds": t_caught - t0, "answers_s": max(0.0, last - t_caught),
            "peak_kib": peak, "idle_kib": idle, "after_kib": after,
            "idle_anon_kib": idle_anon, "after_anon_kib": after_anon, "pages": hs.pages,
            "unexpected": hs.paths}


def run_nio(backlog, tmp):
    db = tmp / "nio.db"
    for p in tmp.glob("nio.db*"):
        p.unlink()
    out = subprocess.run([PY, str(HERE / "nio_bot.py"), str(backlog), str(db)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def run_raw(rows, tmp):
    out = subprocess.run([str(RAW), str(rows), str(tmp)], check=True, capture_output=True,
                         text=True)
    return {r["way"]: r for r in map(json.loads, out.stdout.splitlines())}


def run_latency(tmp, log_rows, digest_rows):
    """engine_lat's figures: {figure: {p50_ms, p99_ms, max_ms, n}}."""
    cfg = tmp / "lat.toml"
    cfg.write_text(gen.config(4, tmp / "unused.db", 1))
    out = subprocess.run([str(LAT), str(cfg), str(tmp / "lat.db"), str(log_rows),
                          str(digest_rows)], check=True, capture_output=True, text=True)
    return {r["figure"]: r for r in map(json.loads, out.stdout.splitlines())}


def print_latency(lat, log_rows, digest_rows):
    print(f"engine latency (ms; logs of {log_rows:,} entries, digest of {digest_rows:,} "
          "messages)")
    print("figure | p50 | p99 | max | target p99 | what")
    for name, r in lat.items():
        tgt = TARGETS.get(name)
        print(f"{name} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['max_ms']:.3f} | "
              + (f"{tgt:g}" if tgt else "") + f" | {LAT_NOTES.get(name, '')}")


def med(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="30x100,100x100,300x300")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--log-rows", type=int, default=1000000)
    ap.add_argument("--digest-rows", type=int, default=20000)
    ap.add_argument("--no-latency", action="store_true")
    a = ap.parse_args()
    if a.check:
        a.sizes, a.runs = "250x102", 1   # more rooms to page than one batch once took
    rows = []
    with tempfile.TemporaryDirectory(prefix="caucus-bench-") as td:
        tmp = Path(td)
        for size in a.sizes.split(","):
            rooms, per = map(int, size.split("x"))
            backlog = tmp / f"backlog-{size}.json"
            gen.main_args(rooms, per, backlog)
            mb = backlog.stat().st_size / 1e6
            cs, ns, rs = [], [], []
            for _ in range(a.runs):
                cs.append(run_caucus(backlog, rooms, tmp))
                if not a.check:
                    ns.append(run_nio(backlog, tmp))
                    rs.append(run_raw(rooms * per, tmp))
            c = cs[-1]
            for x in cs:
                if x["sent"] != x["commands"] or x["logged"] != x["events"] - x["commands"]:
                    print(f"incomplete run: {x['sent']}/{x['commands']} answers, "
                          f"{x['logged']}/{x['events'] - x['commands']} messages logged, "
                          f"{x['pages']} pages", file=sys.stderr)
            complete = all(x["sent"] == x["commands"] and
                           x["logged"] == x["events"] - x["commands"] for x in cs)
            if a.check:
                print(f"bench check: {c['events']} events, {c['sent']}/{c['commands']} "
                      f"answers, {c['logged']} messages logged, {c['pages']} pages")
                if c["unexpected"]:
                    print(f"bench check: unexpected requests {c['unexpected']}")
                lat = run_latency(tmp, 2000, 500)
                figs = all(k in lat for k in TARGETS)
                print(f"bench check: {len(lat)} latency figures"
                      if figs else "bench check: latency figures missing")
                print("bench check: " + ("complete" if complete and figs else "INCOMPLETE"))
                return 0 if complete and figs else 1
            rows.append({
                "size": f"{c['events']} ({size}, {mb:.1f} MB)",
                "caucus": med([x["events"] / x["seconds"] for x in cs]),
                "caucus_peak": med([x["peak_kib"] for x in cs]) / 1024,
                "caucus_idle": med([x["idle_kib"] for x in cs]) / 1024,
                "caucus_after": med([x["after_kib"] for x in cs]) / 1024,
                "idle_anon": med([x["idle_anon_kib"] for x in cs]) / 1024,
                "after_anon": med([x["after_anon_kib"] for x in cs]) / 1024,
                "answers": med([x["answers_s"] for x in cs]),
                "nio": med([x["events"] / x["seconds"] for x in ns]),
                "nio_peak": med([x["peak_kib"] for x in ns]) / 1024,
                "trigger": med([r["trigger"]["rows"] / r["trigger"]["seconds"] for r in rs]),
                "direct": med([r["direct"]["rows"] / r["direct"]["seconds"] for r in rs]),
                "complete": complete,
            })
    print(f"ingest, medians of {a.runs} runs (events/s; RSS in MiB; (own): the anonymous "
          "part, without shared library pages)")
    hdr = ("backlog", "caucus", "peak", "idle (own)", "after (own)", "answers", "nio bot",
           "nio peak",
           "raw trigger", "raw direct", "x nio", "/ direct", "complete")
    print(" | ".join(hdr))
    for r in rows:
        print(" | ".join([
            r["size"], f"{r['caucus']:,.0f}", f"{r['caucus_peak']:.1f}",
            f"{r['caucus_idle']:.1f} ({r['idle_anon']:.1f})",
            f"{r['caucus_after']:.1f} ({r['after_anon']:.1f})", f"{r['answers']:.2f} s",
            f"{r['nio']:,.0f}",
            f"{r['nio_peak']:.1f}", f"{r['trigger']:,.0f}", f"{r['direct']:,.0f}",
            f"{r['caucus'] / r['nio']:.1f}", f"{r['caucus'] / r['direct']:.2f}",
            "yes" if r["complete"] else "NO"]))
    if not a.no_latency:
        with tempfile.TemporaryDirectory(prefix="caucus-bench-") as td:
            print()
            print_latency(run_latency(Path(td), a.log_rows, a.digest_rows), a.log_rows,
                          a.digest_rows)
    return 0 if all(r["complete"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
