"""One bad event must not stop the bot.  A /sync answer that did not parse
(an event nested 1,000 deep, for one) was retried forever, and no room was
served again.  Synapse itself refuses events that deep (from its own
clients; another server may still send them), so a small proxy between
the bot and Synapse puts one into every /sync answer that has timeline
events: the bot must skip it, log and count the gap, and keep answering."""
import asyncio
import re
import time

import aiohttp
from aiohttp import web

from conftest import User, api, free_port, room_with_bot, run

CS = "/_matrix/client/v3"
DEEP = ('{"type":"m.room.message","event_id":"$deep%d","sender":"@mallory:localhost",'
        '"origin_server_ts":1,"content":{"msgtype":"m.text","body":"deep","x":'
        + "[" * 1000 + "1" + "]" * 1000 + "}}")
TIMELINE = re.compile(rb'"timeline":\s*\{\s*"events":\s*\[(?=\s*\{)')


class Poisoner:
    """Forwards every request to the homeserver; while 'on', each /sync
    answer with a timeline event gets a deep event in front of it."""

    def __init__(self, target):
        self.target = target
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.on = False
        self.poisoned = 0

    async def handle(self, request):
        body = await request.read()
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("host", "content-length")}
        async with aiohttp.ClientSession(auto_decompress=True) as s:
            async with s.request(request.method, self.target + request.path_qs, data=body,
                                 headers=headers, timeout=aiohttp.ClientTimeout(total=300)) as r:
                data = await r.read()
                status, ctype = r.status, r.headers.get("Content-Type", "application/json")
        if self.on and request.path.endswith("/sync") and status == 200:
            def poison(m):
                self.poisoned += 1
                return m.group(0) + (DEEP % self.poisoned).encode() + b","
            data = TIMELINE.sub(poison, data, count=1)
        return web.Response(status=status, body=data, headers={"Content-Type": ctype})

    async def start(self):
        app = web.Application(client_max_size=64 << 20)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self):
        await self.runner.cleanup()


class Via:
    """The homeserver as the bot sees it: through the proxy."""

    def __init__(self, hs, proxy):
        self.base = proxy.base
        self.register = hs.register


async def replies(hs, token, room, bot, event_id):
    """The bot's answers to event_id, read with /messages straight from the
    homeserver (nio would choke on the deep event too)."""
    status, r = await api(hs.base, token, "GET", f"{CS}/rooms/{room}/messages?dir=b&limit=50")
    assert status == 200, r
    return [e for e in r.get("chunk", []) if e.get("sender") == bot.user_id
            and e.get("content", {}).get("m.relates_to", {}).get("m.in_reply_to", {})
            .get("event_id") == event_id]


def test_deep_event_does_not_stop_the_bot(homeserver, bot_factory):
    proxy = Poisoner(homeserver.base)
    bot = bot_factory(Via(homeserver, proxy))

    async def go():
        await proxy.start()
        bot.start()
        try:
            alice = await User(homeserver, "alice").login()
            token = alice.client.access_token
            room = await room_with_bot(alice, bot)
            proxy.on = True
            mark = len(bot.log())
            for text in ("!who-covers cyber", "!who-covers privacy"):
                status, r = await api(homeserver.base, token, "PUT",
                                      f"{CS}/rooms/{room}/send/m.room.message/{time.time()}",
                                      {"msgtype": "m.text", "body": text})
                assert status == 200, r
                eid = r["event_id"]
                deadline = time.monotonic() + 60
                got = []
                while not got and time.monotonic() < deadline:
                    await asyncio.sleep(1)
                    got = await replies(homeserver, token, room, bot, eid)
                assert got, ("no answer once /sync answers carry a deep event:\n"
                             + bot.log()[mark:][-3000:])
            assert proxy.poisoned >= 2, proxy.poisoned
            log = bot.log()[mark:]
            assert "cannot be read" in log, log[-3000:]
            gaps = bot.meta("sync.gaps")
            assert gaps and int(gaps) >= 2, gaps
            assert bot.running()
            await alice.client.close()
        finally:
            proxy.on = False
            await proxy.stop()
    run(go(), 180)
