"""fakehs.py - a homeserver just big enough for the benchmark, on loopback.

It serves a backlog made by gen.py as a real server would: a first /sync
with the rooms' state and no history, then one incremental /sync holding
the backlog with each room's timeline cut to the filter's
`timeline.limit` (limited, with a prev_batch), then /messages pages
through the rest (forward from the first sync's token to prev_batch, or
backwards).  It counts the sends (by transaction ID, so a retry is
not counted twice) and records when each phase happened, for run.py.
Loopback only; it never talks to anything else.
"""
import asyncio
import json
import threading
import time
from urllib.parse import unquote

from aiohttp import web

import gen

API = "/_matrix/client/v3"


class FakeHomeserver:
    def __init__(self, backlog_path, rooms):
        with open(backlog_path) as f:
            self.backlog = json.load(f)["rooms"]["join"]
        self.rooms = rooms
        self.sends = {}             # txn_id -> monotonic time of the first PUT
        self.paths = {}             # unexpected paths, counted
        self.t_backlog = None       # the backlog response fully written
        self.t_caught_up = None     # the /sync after it: the backlog was committed
        self.pages = 0
        self.events = sum(len(r["timeline"]["events"]) for r in self.backlog.values())
        self.commands = sum(1 for r in self.backlog.values() for e in r["timeline"]["events"]
                            if e["content"]["body"].startswith("!"))
        self.first_sync = threading.Event()
        self.done = threading.Event()
        self.release = threading.Event()   # run.py lets the backlog go
        self.waiting_backlog = False        # the bot has asked for it
        self.runner = None
        self.port = None

    # ---- handlers ----

    async def whoami(self, request):
        return web.json_response({"user_id": gen.BOT, "device_id": "BENCH"})

    def initial(self):
        join = {gen.room_id(r): {"state": {"events": gen.state(r)},
                                 "timeline": {"events": [], "limited": False}}
                for r in range(self.rooms)}
        return {"next_batch": "s1", "rooms": {"join": join}}

    def incremental(self, limit):
        join = {}
        for rid, room in self.backlog.items():
            evs = room["timeline"]["events"]
            cut = max(0, len(evs) - limit)
            join[rid] = {"timeline": {"events": evs[cut:], "limited": cut > 0,
                                      "prev_batch": f"b{cut}"}}
        return {"next_batch": "s2", "rooms": {"join": join}}

    async def sync(self, request):
        since = request.query.get("since")
        limit = 10
        try:
            flt = json.loads(request.query.get("filter", "{}"))
            limit = int(flt["room"]["timeline"]["limit"])
        except (ValueError, KeyError, TypeError):
            pass
        if since is None:
            body = self.initial()
            self.first_sync.set()
        elif since == "s1":
            # made before the release, so that its making is not timed
            data = json.dumps(self.incremental(limit), separators=(",", ":")).encode()
            self.waiting_backlog = True
            while not self.release.is_set():
                await asyncio.sleep(0.001)
            body = None
        else:
            if self.t_caught_up is None:
                self.t_caught_up = time.monotonic()
            await asyncio.sleep(min(int(request.query.get("timeout", "0")), 2000) / 1000)
            return web.json_response({"next_batch": "s2"})
        if body is not None:
            data = json.dumps(body, separators=(",", ":")).encode()
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.content_length = len(data)
        await resp.prepare(request)
        await resp.write(data)
        await resp.write_eof()
        if since == "s1":
            self.t_backlog = time.monotonic()
        return resp

    def position(self, token):
        """A token as an index into a room's events: "s1" (the first sync:
        before the backlog) is 0, "b<i>" is i; None when it is neither."""
        if token == "s1":
            return 0
        if token.startswith("b") and token[1:].isdigit():
            return int(token[1:])
        return None

    async def messages(self, request):
        rid = unquote(request.match_info["room"])
        room = self.backlog.get(rid)
        q = request.query
        frm = self.position(q.get("from", ""))
        if room is None or frm is None:
            return web.json_response({"errcode": "M_UNKNOWN", "error": "bad token"},
                                     status=400)
        evs = room["timeline"]["events"]
        limit = int(q.get("limit", "10"))
        self.pages += 1
        out = {"start": q["from"]}
        if q.get("dir") == "f":
            # oldest first, up to 'to' (the sync's prev_batch); no "end"
            # once there, which the spec allows (Synapse gives one, and an
            # empty page after it)
            to = self.position(q.get("to", "")) if "to" in q else len(evs)
            to = len(evs) if to is None else min(to, len(evs))
            stop = min(to, frm + limit)
            out["chunk"] = evs[frm:stop]
            if stop < to:
                out["end"] = f"b{stop}"
        else:
            start = max(0, frm - limit)
            out["chunk"] = list(reversed(evs[start:frm]))
            if start > 0:
                out["end"] = f"b{start}"
        return web.json_response(out)

    async def send(self, request):
        txn = request.match_info["txn"]
        await request.read()
        self.sends.setdefault(txn, time.monotonic())
        if len(self.sends) >= self.commands:
            self.done.set()
        return web.json_response({"event_id": f"$sent{len(self.sends)}"})

    async def other(self, request):
        self.paths[request.path] = self.paths.get(request.path, 0) + 1
        return web.json_response({})

    # ---- running ----

    def app(self):
        app = web.Application(client_max_size=64 << 20)
        app.router.add_get(API + "/account/whoami", self.whoami)
        app.router.add_get(API + "/sync", self.sync)
        app.router.add_get(API + "/rooms/{room}/messages", self.messages)
        app.router.add_put(API + "/rooms/{room}/send/{type}/{txn}", self.send)
        app.router.add_route("*", "/{tail:.*}", self.other)
        return app

    def start(self):
        """Serves on a free loopback port in a thread of its own."""
        ready = threading.Event()

        def serve():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self.runner = web.AppRunner(self.app(), access_log=None)
            loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            self.loop = loop
            ready.set()
            loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def stop(self):
        async def down():
            await self.runner.shutdown()
            await self.runner.cleanup()
            for t in asyncio.all_tasks():
                if t is not asyncio.current_task():
                    t.cancel()
        asyncio.run_coroutine_threadsafe(down(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
