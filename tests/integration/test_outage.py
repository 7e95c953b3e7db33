"""The homeserver goes away for 30 s: what fell due meanwhile is sent once
it is back, in order, and the daemon recovers by itself."""
import asyncio
import re
import time

from conftest import User, room_with_bot, run

N = 5


def test_homeserver_outage(own_homeserver, bot_factory):
    hs = own_homeserver
    bot = bot_factory(hs).start()

    async def go():
        alice = await User(hs, "alice").login()
        room = await room_with_bot(alice, bot)
        # Reminders fall due at a minute boundary: set them for shortly
        # before one, and keep the server away from before it to after it.
        while not 28 <= time.time() % 60 < 33:
            await asyncio.sleep(0.5)
        for k in range(N):
            eid = await alice.send(room, f"!remind in 5s outage {k}")
            await alice.wait_reply(room, bot, eid)
        while time.time() % 60 < 40:
            await asyncio.sleep(0.2)
        assert time.time() % 60 < 45, "too slow to set up before the minute"
        mark = len(bot.log())
        await alice.close()
        hs.stop()
        await asyncio.sleep(30)
        hs.start()
        alice2 = await User(hs, "alice").login()
        bot.wait_log(r"sync: the server answers again", 60, mark)

        def reminders():
            got = [e for e in alice2.history_cache
                   if e.get("sender") == bot.user_id and e.get("type") == "m.room.message"
                   and "Reminder" in e["content"]["body"]]
            return got if len(got) >= N else None

        deadline = time.monotonic() + 90
        while True:
            await alice2.sync(1000)
            alice2.history_cache = await alice2.history(room)
            got = reminders()
            if got or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        assert got, "the reminders did not arrive after the outage"
        texts = [re.search(r"outage (\d+)", e["content"]["body"]).group(1) for e in got]
        assert texts == [str(k) for k in range(N)], texts
        # they were queued while the server was away, then sent
        assert re.search(r"due: \d+ reminder", bot.log()[mark:])
        log = bot.log()[mark:]
        queued = log.index("due: 5 reminder")
        assert log.index("sync failed") < queued < log.index("the server answers again"), log
        await alice2.close()
    run(go(), 240)
