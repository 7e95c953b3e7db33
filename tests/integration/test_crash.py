"""SIGKILL at random points during a burst of commands, then restart:
every command answered exactly once."""
import asyncio
import collections
import random
import re
import time

from conftest import User, room_with_bot, run

N = 50


def test_sigkill_during_burst(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        eid = await alice.send(room, "!issue link cybersecurity")
        await alice.wait_reply(room, bot, eid)
        sent = []

        async def burst():
            for k in range(N):
                sent.append(await alice.send(room, f"!note burst {k}"))
                await asyncio.sleep(random.uniform(0, 0.15))

        async def killer():
            for _ in range(4):
                await asyncio.sleep(random.uniform(0.3, 2.0))
                bot.kill()
                bot.start()
        await asyncio.gather(burst(), killer())

        def all_answered():
            return all(alice.replies_to(room, bot.user_id, e) for e in sent)
        await alice.wait_for(all_answered, 120, "answers to all commands")
        await asyncio.sleep(3)
        history = await alice.history(room)
        answers = {}
        for ev in history:
            if ev.get("sender") != bot.user_id or ev.get("type") != "m.room.message":
                continue
            to = ev["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            answers[to] = answers.get(to, 0) + 1
        twice = {e: n for e, n in answers.items() if n > 1}
        assert not twice, f"answered more than once: {twice}"
        assert all(answers.get(e) == 1 for e in sent)
        # and each note was kept once
        eid = await alice.send(room, f"!log {N + 10}")
        log = (await alice.wait_reply(room, bot, eid))["content"]["body"]
        kept = collections.Counter(re.findall(r"\bburst (\d+)\b", log))
        assert kept == collections.Counter(str(k) for k in range(N)), log
        await alice.close()
    run(go(), 240)
    assert bot.log().count("==== start") == 5


def test_backlog_after_downtime(homeserver, bot_factory):
    """Commands sent while the bot was down - more than one sync returns at
    once - are all answered when it is back, once each, in order."""
    bot = bot_factory(homeserver).start()
    n = 250

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        assert bot.stop() == 0
        sent = [await alice.send(room, f"!who-covers cyber {k}") for k in range(n)]
        bot.start()

        def all_answered():
            return all(alice.replies_to(room, bot.user_id, e) for e in sent)
        await alice.wait_for(all_answered, 120, "answers to the backlog")
        history = await alice.history(room)
        order = [ev["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
                 for ev in history
                 if ev.get("sender") == bot.user_id and ev.get("type") == "m.room.message"]
        assert order == sent
        await alice.close()
    run(go(), 180)
    bot.wait_log(r"sync: 2\d\d events applied")


def test_sigkill_around_due_reminders(homeserver, bot_factory):
    """Reminders due while the daemon is killed and restarted again and
    again, at any point of handing them out and sending: each is sent
    exactly once."""
    bot = bot_factory(homeserver).start()
    n = 40      # enough that sending them takes longer than a kill's wait

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        sent = [await alice.send(room, f"!remind in 10s due-crash {k}") for k in range(n)]
        await alice.wait_for(lambda: all(alice.replies_to(room, bot.user_id, e) for e in sent),
                             60, "the confirmations")
        # once they are due, every restart hands them out at once: kill
        # within tens of milliseconds of starting, again and again
        await asyncio.sleep(10)
        end = time.time() + 8
        while time.time() < end:
            await asyncio.sleep(random.uniform(0.03, 0.4))
            bot.kill()
            bot.start()

        def reminders():
            return [e for e in alice.from_user(room, bot.user_id)
                    if "Reminder" in e["content"]["body"]]
        await alice.wait_for(lambda: len(reminders()) >= n, 90, "the reminders")
        await asyncio.sleep(5)
        history = await alice.history(room)
        got = collections.Counter(
            re.search(r"due-crash (\d+)", e["content"]["body"]).group(1) for e in history
            if e.get("sender") == bot.user_id and e.get("type") == "m.room.message"
            and "Reminder" in e["content"]["body"])
        assert got == collections.Counter(str(k) for k in range(n)), got
        await alice.close()
    run(go(), 180)
