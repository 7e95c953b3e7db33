"""The disk under the database fills up during a burst of commands: the
daemon logs the error, keeps its sync token where it was, answers nothing
twice, and catches up by itself once there is space again."""
import asyncio
import collections
import errno
import os
import re
import sqlite3
import subprocess
import time

import pytest

from conftest import User, room_with_bot, run

N = 20


def fill(path):
    """Write zeros to path until the file system is full."""
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
        # what is left is smaller than a chunk: take it too
        while True:
            try:
                f.write(b"\0" * 512)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break


def since_of(db):
    """The daemon's sync token, read without disturbing it."""
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        row = c.execute("SELECT value FROM meta WHERE key = 'since'").fetchone()
    finally:
        c.close()
    return row[0] if row else None


@pytest.fixture
def small_fs(tmp_path):
    """A 16 MB tmpfs of the test's own (needs root)."""
    mnt = tmp_path / "smallfs"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs",
                        str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full_during_burst(homeserver, bot_factory, small_fs):
    bot = bot_factory(homeserver)
    db = small_fs / "caucus.db"
    bot.config.write_text(re.sub(r'(?m)^database = .*$', f'database = "{db}"',
                                 bot.config.read_text()))
    bot.start()
    filler = small_fs / "filler"

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        eid = await alice.send(room, "!issue link cybersecurity")
        await alice.wait_reply(room, bot, eid)
        await asyncio.sleep(1)
        fill(filler)
        token = since_of(db)
        assert token
        mark = len(bot.log())
        sent = []
        for k in range(N):
            sent.append(await alice.send(room, f"!note full {k}"))
            await asyncio.sleep(0.05)
        # the daemon says why, and stays where it was
        bot.wait_log(r"database or disk is full", 30, mark)
        bot.wait_log(r"applying a sync batch failed \(.*full.*\); retry", 30, mark)
        await asyncio.sleep(3)
        assert since_of(db) == token, "the sync token moved while nothing could be kept"
        await alice.sync(0)
        assert not any(alice.replies_to(room, bot.user_id, e) for e in sent), \
            "answered a command it could not keep"
        assert bot.running()

        # space again: it catches up by itself
        t0 = time.monotonic()
        filler.unlink()

        def all_answered():
            return all(alice.replies_to(room, bot.user_id, e) for e in sent)
        await alice.wait_for(all_answered, 60, "answers to the burst once there is space")
        caught_up = time.monotonic() - t0
        await asyncio.sleep(3)
        history = await alice.history(room)
        answers = collections.Counter(
            ev["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            for ev in history
            if ev.get("sender") == bot.user_id and ev.get("type") == "m.room.message")
        twice = {e: n for e, n in answers.items() if n > 1}
        assert not twice, f"answered more than once: {twice}"
        assert all(answers.get(e) == 1 for e in sent)
        assert since_of(db) != token
        # every note kept, once
        eid = await alice.send(room, f"!log {N + 5}")
        log = (await alice.wait_reply(room, bot, eid))["content"]["body"]
        kept = collections.Counter(re.findall(r"\bfull (\d+)\b", log))
        assert kept == collections.Counter(str(k) for k in range(N)), log
        await alice.close()
        return caught_up
    caught_up = run(go(), 240)
    print(f"caught up {caught_up:.1f} s after space came back")


def unsent(db):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return c.execute("SELECT count(*) FROM outbox WHERE sent_event_id IS NULL").fetchone()[0]
    finally:
        c.close()


def test_disk_full_while_sending(homeserver, bot_factory, small_fs):
    """The disk fills while answers are on their way out: a message sent
    whose sending cannot be recorded is tried again later, at a calm pace
    (not in a loop as fast as the server answers), and appears once."""
    bot = bot_factory(homeserver)
    db = small_fs / "caucus.db"
    bot.config.write_text(re.sub(r'(?m)^database = .*$', f'database = "{db}"',
                                 bot.config.read_text()))
    bot.start()
    filler = small_fs / "filler"
    n = 60

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        eid = await alice.send(room, "!issue link cybersecurity")
        await alice.wait_reply(room, bot, eid)
        assert bot.stop() == 0
        # a backlog: one batch queues every answer at once
        sent = [await alice.send(room, f"!who-covers cyber {k}") for k in range(n)]
        bot.start()
        deadline = time.monotonic() + 60
        while unsent(db) < n // 2:
            assert time.monotonic() < deadline, "the answers were never queued"
            await asyncio.sleep(0.005)
        fill(filler)
        mark = len(bot.log())
        left = unsent(db)
        assert left > 0, "every answer went out before the disk was full"
        await asyncio.sleep(5)
        log = bot.log()[mark:]
        failed = log.count("UPDATE outbox SET sent_event_id")
        assert 0 < failed <= 5, f"{failed} failed records of a send in 5 s:\n{log[-2000:]}"
        filler.unlink()

        def all_answered():
            return all(alice.replies_to(room, bot.user_id, e) for e in sent)
        await alice.wait_for(all_answered, 60, "answers to the backlog once there is space")
        await asyncio.sleep(3)
        history = await alice.history(room)
        answers = collections.Counter(
            ev["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            for ev in history
            if ev.get("sender") == bot.user_id and ev.get("type") == "m.room.message")
        twice = {e: k for e, k in answers.items() if k > 1}
        assert not twice, f"answered more than once: {twice}"
        assert all(answers.get(e) == 1 for e in sent)
        await alice.close()
        return left
    left = run(go(), 240)
    print(f"{left} answers were waiting when the disk filled")
