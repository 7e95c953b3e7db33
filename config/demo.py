"""The `make run` demo without a bot.toml: sets up rooms on the throwaway
homeserver, then a small chat in the terminal as the demo user.

    demo.py setup BASE_URL CONFIG BOT_USER_ID   create the rooms, invite the bot
    demo.py chat BASE_URL CONFIG BOT_USER_ID     chat; /room ISSUE switches rooms

Standard library only (Debian's python3 is 3.11: tomllib is there).  The
demo user is @demo:<server>, password "demo".
"""
import json
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request

USER, PASSWORD = "demo", "demo"


class Client:
    def __init__(self, base):
        self.base = base.rstrip("/") + "/_matrix/client/v3"
        self.token = None
        self.txn = int(time.time() * 1000)

    def call(self, method, path, body=None, timeout=60):
        req = urllib.request.Request(
            self.base + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json",
                     **({"Authorization": "Bearer " + self.token} if self.token else {})})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            try:
                return {"_status": e.code, **json.loads(e.read())}
            except ValueError:
                return {"_status": e.code}

    def login(self):
        r = self.call("POST", "/login", {"type": "m.login.password", "password": PASSWORD,
                                         "identifier": {"type": "m.id.user", "user": USER}})
        if "access_token" not in r:
            sys.exit(f"demo: cannot log in as {USER}: {r}")
        self.token = r["access_token"]
        self.user_id = r["user_id"]
        return self

    def resolve(self, alias):
        r = self.call("GET", "/directory/room/" + urllib.parse.quote(alias, safe=""))
        return r.get("room_id")

    def send(self, room_id, body):
        self.txn += 1
        return self.call("PUT", f"/rooms/{urllib.parse.quote(room_id)}/send/m.room.message/"
                                f"demo{self.txn}", {"msgtype": "m.text", "body": body})


def rooms_of(config):
    """(label, alias, name) of the coordination room and each issue room."""
    with open(config, "rb") as f:
        cfg = tomllib.load(f)
    out = []
    coord = cfg.get("bot", {}).get("coordination_room")
    if coord:
        out.append(("coordination", coord, "Coordination"))
    for issue in cfg.get("issue", []):
        if issue.get("room"):
            out.append((issue["slug"], issue["room"], issue["name"]))
    return out


def setup(base, config, bot):
    c = Client(base).login()
    for label, alias, name in rooms_of(config):
        room_id = c.resolve(alias)
        if not room_id:
            local = alias[1:].split(":", 1)[0]
            r = c.call("POST", "/createRoom", {"room_alias_name": local, "name": name,
                                               "preset": "private_chat", "invite": [bot]})
            if "room_id" not in r:
                sys.exit(f"demo: cannot create {alias}: {r}")
            print(f"demo: created {alias}", file=sys.stderr)
        else:
            # invited again if the bot is not in it; an error if it is, which is fine
            c.call("POST", f"/rooms/{urllib.parse.quote(room_id)}/invite", {"user_id": bot})


def wait_for_bot(c, room_id, bot):
    """A command typed before the bot is in the room would go unseen."""
    for _ in range(120):
        r = c.call("GET", f"/rooms/{urllib.parse.quote(room_id)}/joined_members")
        if bot in r.get("joined", {}):
            return
        time.sleep(0.25)
    print(f"demo: {bot} has not joined yet; see demo/caucus.log", file=sys.stderr)


def chat(base, config, bot):
    c = Client(base).login()
    rooms = {}
    for label, alias, name in rooms_of(config):
        room_id = c.resolve(alias)
        if room_id:
            rooms[label] = room_id
    if "coordination" not in rooms:
        sys.exit("demo: no coordination room; run the setup first")
    wait_for_bot(c, rooms["coordination"], bot)
    labels = {v: k for k, v in rooms.items()}
    current = ["coordination"]
    lock = threading.Lock()
    filt = urllib.parse.quote(json.dumps({
        "room": {"timeline": {"types": ["m.room.message"], "limit": 50},
                 "state": {"types": []}, "ephemeral": {"types": []}},
        "presence": {"types": []}}))
    since = c.call("GET", f"/sync?timeout=0&filter={filt}").get("next_batch")

    def listen():
        nonlocal since
        while True:
            r = c.call("GET", f"/sync?timeout=30000&filter={filt}&since={since}", timeout=90)
            if "next_batch" not in r:
                time.sleep(2)
                continue
            since = r["next_batch"]
            for room_id, room in r.get("rooms", {}).get("join", {}).items():
                for ev in room.get("timeline", {}).get("events", []):
                    if ev.get("sender") == c.user_id or "body" not in ev.get("content", {}):
                        continue
                    where = labels.get(room_id, room_id)
                    with lock:
                        head = f"--- {ev['sender']}"
                        if where != current[0]:
                            head += f" in {where}"
                        print(f"\n{head}:\n{ev['content']['body']}\n> ", end="", flush=True)

    threading.Thread(target=listen, daemon=True).start()
    print(f"You are {c.user_id} in the coordination room.  Type a command such as\n"
          f"!who-covers cybersecurity, !help or !issues; /room ISSUE moves to an issue's\n"
          f"room ({', '.join(k for k in rooms if k != 'coordination')}); /quit or Ctrl-D ends.")
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if not line:
            continue
        if line in ("/quit", "/exit"):
            return
        if line.startswith("/room"):
            want = line[5:].strip().lower()
            match = [k for k in rooms if k == want] or [k for k in rooms if k.startswith(want)]
            if len(match) == 1 and want:
                current[0] = match[0]
                print(f"(now in {match[0]})")
            else:
                print(f"(rooms: {', '.join(rooms)})")
            continue
        r = c.send(rooms[current[0]], line)
        if "event_id" not in r:
            print(f"(not sent: {r})")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "setup":
        setup(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "chat":
        chat(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
