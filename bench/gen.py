"""gen.py - a backlog for the ingest benchmark: ROOMS rooms of EVENTS m.text
messages each, one in CMD_EVERY a command, written as the one /sync
response a homeserver would give a client that asked for everything
(no timeline limit).  fakehs.py serves it sliced as a real server would;
nio_bot.py reads it whole.  Deterministic: the same sizes give the same
bytes, so every contender sees the same events.

Usage: gen.py ROOMS EVENTS OUT.json
"""
import json
import sys

SERVER = "bench"
BOT = f"@caucus:{SERVER}"
USERS = [f"@member{i}:{SERVER}" for i in range(8)]
COMMANDS = ["!who-covers {slug}", "!log 3", "!sessions", "!positions"]
WORDS = ("delegation draft resolution amendment plenary chair consensus "
         "cybersecurity privacy mandate working group session text bracket "
         "proposal support oppose revision annex paragraph").split()
CMD_EVERY = 50
T0 = 1541400000000          # Mon 5 Nov 2018, 10:40 Dubai


def room_id(i):
    return f"!room{i:04d}:{SERVER}"


def slug(i):
    return f"issue{i:04d}"


def body(n):
    # about 60 bytes of words, different from message to message
    return " ".join(WORDS[(n * 7 + k * 3) % len(WORDS)] for k in range(8)) + f" #{n}"


def member(user, ts, n):
    return {"type": "m.room.member", "state_key": user, "sender": user,
            "event_id": f"$m{n}", "origin_server_ts": ts,
            "content": {"membership": "join"}}


def events(r, count):
    out = []
    for k in range(count):
        n = r * 1000000 + k
        if k % CMD_EVERY == CMD_EVERY - 1:
            text = COMMANDS[(k // CMD_EVERY) % len(COMMANDS)].format(slug=slug(r))
        else:
            text = body(n)
        out.append({"type": "m.room.message", "sender": USERS[(r + k) % len(USERS)],
                    "event_id": f"$e{r}_{k}", "origin_server_ts": T0 + r * 10 + k * 1000,
                    "content": {"msgtype": "m.text", "body": text}})
    return out


def state(r):
    st = [{"type": "m.room.create", "state_key": "", "sender": BOT,
           "event_id": f"$c{r}", "origin_server_ts": T0 - 1000,
           "content": {"creator": BOT, "room_version": "10"}},
          member(BOT, T0 - 900, f"{r}_bot")]
    st += [member(u, T0 - 800, f"{r}_{j}") for j, u in enumerate(USERS)]
    return st


def backlog(rooms, per_room):
    return {"next_batch": "s2", "rooms": {"join": {
        room_id(r): {"state": {"events": []},
                     "timeline": {"events": events(r, per_room), "limited": False,
                                  "prev_batch": "s1"}}
        for r in range(rooms)}}}


def config(rooms, db, port):
    issues = "".join(f'\n[[issue]]\nslug = "{slug(r)}"\nname = "Issue {r}"\n'
                     f'room = "{room_id(r)}"\n' for r in range(rooms))
    return f"""[matrix]
homeserver = "http://127.0.0.1:{port}"
user_id = "{BOT}"
access_token = "bench-token"

[bot]
database = "{db}"
timezone = "Asia/Dubai"

[access]
allowed_users = ["@*:{SERVER}"]

[encryption]
enabled = false
{issues}"""


def main_args(rooms, per_room, out):
    with open(out, "w") as f:
        json.dump(backlog(rooms, per_room), f, separators=(",", ":"))


def main():
    main_args(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])


if __name__ == "__main__":
    main()
