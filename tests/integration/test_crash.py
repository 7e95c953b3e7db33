"""SIGKILL at random points during a burst of commands, during a backlog
read page by page, then restart: every command answered exactly once."""
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
    bot.wait_log(r"sync: 2\d\d events applied .*from \d+ /messages pages")


def test_sigkill_in_paged_backlog(homeserver, bot_factory, monkeypatch):
    """A backlog bigger than the sync's timeline (5 events a room) is read
    forward from /messages, each page applied with the room's position.
    SIGKILL right after a page was applied, three times: the restarted bot
    reads on from the stored position, and every command is answered once,
    in order, each note kept once."""
    monkeypatch.setenv("CAUCUS_GAP_PAGE", "4")      # many pages from a small backlog
    bot = bot_factory(homeserver).start()
    n = 60

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        eid = await alice.send(room, "!issue link cybersecurity")
        await alice.wait_reply(room, bot, eid)
        assert bot.stop() == 0
        sent = [await alice.send(room, f"!note paged {k}") for k in range(n)]
        key = f"backlog.{room}"
        seen, kills = set(), 0
        bot.start()
        deadline = time.monotonic() + 90
        while kills < 3 and time.monotonic() < deadline:
            pos = bot.meta(key)
            if pos is not None and pos not in seen:
                # a page and its position are committed; the next is on its way
                seen.add(pos)
                bot.kill()
                kills += 1
                bot.start()
            await asyncio.sleep(0.005)
        assert kills == 3, f"only {kills} pages seen applied:\n{bot.log()[-3000:]}"

        def all_answered():
            return all(alice.replies_to(room, bot.user_id, e) for e in sent)
        await alice.wait_for(all_answered, 120, "answers to the paged backlog")
        await asyncio.sleep(3)
        history = await alice.history(room)
        order = [ev["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
                 for ev in history
                 if ev.get("sender") == bot.user_id and ev.get("type") == "m.room.message"
                 and ev["content"].get("m.relates_to", {}).get("m.in_reply_to")]
        order = [e for e in order if e in set(sent)]
        assert order == sent, "answered twice, not at all or out of order"
        kept = collections.Counter(re.fullmatch(r"paged (\d+)", e["body"]).group(1)
                                   for e in bot.export("cybersecurity")["entries"]
                                   if e["kind"] == "note"
                                   and re.fullmatch(r"paged \d+", e["body"]))
        assert kept == collections.Counter(str(k) for k in range(n)), kept
        # the positions went with the token of the batch that followed
        assert bot.meta(key) is None
        await alice.close()
    run(go(), 240)
    assert bot.log().count("==== start") == 5
    assert "/messages pages" in bot.log()


def test_paged_backlog_several_rooms(homeserver, bot_factory, monkeypatch):
    """Several rooms missed events while the bot was down: their pages are
    read two rooms at a time (one is applied while the next is read), and
    a SIGKILL between pages, twice, still leaves every command of every
    room answered once, in its room's order."""
    monkeypatch.setenv("CAUCUS_GAP_PAGE", "3")
    bot = bot_factory(homeserver).start()
    rooms_n, n = 4, 18

    async def go():
        alice = await User(homeserver, "alice").login()
        rooms = [await room_with_bot(alice, bot) for _ in range(rooms_n)]
        assert bot.stop() == 0
        sent = {r: [] for r in rooms}
        for k in range(n):
            for r in rooms:
                sent[r].append(await alice.send(r, f"!who-covers cyber {k}"))
        seen, kills = set(), 0
        bot.start()
        deadline = time.monotonic() + 90
        while kills < 2 and time.monotonic() < deadline:
            pos = tuple(bot.meta(f"backlog.{r}") for r in rooms)
            if any(pos) and pos not in seen:
                seen.add(pos)
                bot.kill()
                kills += 1
                bot.start()
            await asyncio.sleep(0.005)
        assert kills == 2, f"only {kills} pages seen applied:\n{bot.log()[-3000:]}"

        def all_answered():
            return all(alice.replies_to(r, bot.user_id, e) for r in rooms for e in sent[r])
        await alice.wait_for(all_answered, 120, "answers in every room")
        await asyncio.sleep(3)
        for r in rooms:
            history = await alice.history(r)
            order = [ev["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
                     for ev in history
                     if ev.get("sender") == bot.user_id and ev.get("type") == "m.room.message"
                     and ev["content"].get("m.relates_to", {}).get("m.in_reply_to")]
            order = [e for e in order if e in set(sent[r])]
            assert order == sent[r], f"{r}: answered twice, not at all or out of order"
            assert bot.meta(f"backlog.{r}") is None
        await alice.close()
    run(go(), 240)
    assert bot.log().count("==== start") == 4


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
