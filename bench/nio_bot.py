"""nio_bot.py - the peer: what a matrix-nio bot does with the same backlog.

It parses the /sync body into nio's SyncResponse, as an AsyncClient does,
and logs every message into an sqlite FTS5 table in one transaction - the
least a logging bot does.  Prints one JSON line: events, seconds (from the
raw bytes to the commit) and peak RSS in KiB.

Usage: nio_bot.py BACKLOG.json DB
"""
import json
import resource
import sqlite3
import sys
import time

from nio import RoomMessageText, SyncResponse


def main():
    path, dbpath = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        raw = f.read()
    db = sqlite3.connect(dbpath)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("CREATE TABLE log(id INTEGER PRIMARY KEY, room_id TEXT, event_id TEXT UNIQUE,"
               " sender TEXT, body TEXT, ts_ms INTEGER)")
    db.execute("CREATE VIRTUAL TABLE log_fts USING fts5(body, content='log',"
               " content_rowid='id')")
    db.execute("CREATE TRIGGER log_ai AFTER INSERT ON log BEGIN"
               " INSERT INTO log_fts(rowid, body) VALUES (new.id, new.body); END")
    t0 = time.monotonic()
    resp = SyncResponse.from_dict(json.loads(raw))
    n = 0
    with db:
        for rid, room in resp.rooms.join.items():
            for ev in room.timeline.events:
                if isinstance(ev, RoomMessageText):
                    db.execute("INSERT INTO log(room_id, event_id, sender, body, ts_ms)"
                               " VALUES (?, ?, ?, ?, ?)",
                               (rid, ev.event_id, ev.sender, ev.body,
                                ev.server_timestamp))
                    n += 1
    secs = time.monotonic() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"events": n, "seconds": secs, "peak_kib": rss}))


if __name__ == "__main__":
    main()
