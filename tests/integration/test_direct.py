"""Direct rooms (SPEC §1, §2, §3): the bot opens one with a member, marked
direct as Element marks it, answers !my there, sends personal reminders
there exactly once across a crash, and holds them for quiet hours."""
import asyncio
import collections
import datetime
import random
import subprocess
import time
import urllib.parse
import zoneinfo

from nio.events.invite_events import InviteMemberEvent

from conftest import CAUCUS, User, api, encrypted_room_with_bot, room_with_bot, run

PLAIN = '[encryption]\nenabled = false\n'


async def direct_invite(user, bot, timeout=60):
    """Sync until the bot invites user to a room marked direct; its ID."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = await user.sync(1000)
        for room_id, info in r.rooms.invite.items():
            for ev in info.invite_state:
                if (isinstance(ev, InviteMemberEvent) and ev.state_key == user.user_id
                        and ev.sender == bot.user_id and ev.membership == "invite"):
                    assert ev.content.get("is_direct") is True, ev.content
                    return room_id
    raise AssertionError(f"no direct-room invite from the bot within {timeout} s")


async def bots_m_direct(homeserver, bot):
    token = bot.meta("access_token")
    who = urllib.parse.quote(bot.user_id)
    status, body = await api(homeserver.base, token, "GET",
                             f"/_matrix/client/v3/user/{who}/account_data/m.direct")
    return body if status == 200 else {}


def test_direct_room_encrypted_my(homeserver, bot_factory, e2ee_user):
    """!my asked in a room: one line there, the answer in a new encrypted
    direct room the member's client sees marked direct, decryptable; asked
    again, the same room."""
    bot = bot_factory(homeserver).start()

    async def go():
        bob = await e2ee_user("bob").login()
        room = await encrypted_room_with_bot(bob, bot)
        eid = await bob.send(room, "!my")
        ans = await bob.wait_reply(room, bot, eid)
        assert "direct room" in ans["content"]["body"], ans["content"]["body"]
        dm = await direct_invite(bob, bot)
        await bob.join(dm)
        assert bob.client.rooms[dm].encrypted, "the direct room is not encrypted"

        def answers():
            return [e for e in bob.decrypted_from(dm, bot.user_id)
                    if "Your next 48 h" in e["content"]["body"]]
        got = await bob.wait_for(answers, 60, "!my's answer in the direct room")
        assert "Sessions you attend (0)" in got[0]["content"]["body"]
        assert not bob.undecryptable_from(dm, bot.user_id)
        # marked in the bot's m.direct, as Element keeps it
        md = await bots_m_direct(homeserver, bot)
        assert md.get(bob.user_id) == [dm], md
        # reused: the next answer comes to the same room, with no new invite
        eid = await bob.send(room, "!prefs")
        await bob.wait_reply(room, bot, eid)
        await bob.wait_for(lambda: [e for e in bob.decrypted_from(dm, bot.user_id)
                                    if "Your settings" in e["content"]["body"]],
                           60, "!prefs's answer in the same direct room")
        await bob.close()
    run(go(), 180)


def test_member_made_direct_room_and_leaving(homeserver, bot_factory):
    """A direct room the member made (is_direct on the invite) is used; once
    the member leaves it, the next answer comes in a new one."""
    bot = bot_factory(homeserver, extra=PLAIN).start()

    async def go():
        bob = await User(homeserver, "bob").login()
        room = await room_with_bot(bob, bot)
        r = await bob.client.room_create(invite=[bot.user_id], is_direct=True)
        mine = r.room_id
        await bob.wait_member(mine, bot.user_id)
        eid = await bob.send(room, "!my")
        await bob.wait_reply(room, bot, eid)
        await bob.wait_for(lambda: [e for e in bob.from_user(mine, bot.user_id)
                                    if "Your next 48 h" in e["content"]["body"]],
                           60, "!my's answer in the room bob made")
        await bob.client.room_leave(mine)
        await bob.sync(0)
        await asyncio.sleep(2)
        eid = await bob.send(room, "!my")
        await bob.wait_reply(room, bot, eid)
        dm = await direct_invite(bob, bot)
        assert dm != mine
        await bob.join(dm)
        await bob.wait_for(lambda: [e for e in bob.from_user(dm, bot.user_id)
                                    if "Your next 48 h" in e["content"]["body"]],
                           60, "!my's answer in a new direct room")
        await bob.close()
    run(go(), 180)


def test_dm_reminder_once_across_sigkill(homeserver, bot_factory):
    """A !remind with dm on: the copy in the direct room arrives exactly
    once though the daemon is killed just after it fell due, again and
    again."""
    bot = bot_factory(homeserver, extra=PLAIN).start()

    async def go():
        bob = await User(homeserver, "bob").login()
        room = await room_with_bot(bob, bot)
        eid = await bob.send(room, "!prefs dm on")
        await bob.wait_reply(room, bot, eid)
        dm = await direct_invite(bob, bot)
        await bob.join(dm)
        eid = await bob.send(room, "!remind in 10s dm-crash")
        await bob.wait_reply(room, bot, eid)
        t_due = time.monotonic() + 10
        await asyncio.sleep(max(0.0, t_due - time.monotonic()) + 0.3)
        end = time.monotonic() + 6
        while time.monotonic() < end:
            bot.kill()
            bot.start()
            await asyncio.sleep(random.uniform(0.05, 0.5))

        def in_dm():
            return [e for e in bob.from_user(dm, bot.user_id)
                    if "dm-crash" in e["content"]["body"]]
        await bob.wait_for(in_dm, 90, "the reminder in the direct room")
        await asyncio.sleep(5)
        for where in (dm, room):
            history = await bob.history(where)
            n = sum(1 for e in history if e.get("sender") == bot.user_id
                    and e.get("type") == "m.room.message"
                    and "Reminder" in e["content"]["body"]
                    and "dm-crash" in e["content"]["body"])
            assert n == 1, f"{n} reminders in {where}"
        await bob.close()
    run(go(), 180)
    assert bot.log().count("==== start") >= 3


def test_quiet_hours_hold_and_release(homeserver, bot_factory):
    """During quiet hours a reminder to the direct room (and the room's,
    which mentions only the member) waits, and goes when they end."""
    bot = bot_factory(homeserver, extra=PLAIN).start()
    tz = zoneinfo.ZoneInfo("Asia/Dubai")

    async def go():
        bob = await User(homeserver, "bob").login()
        room = await room_with_bot(bob, bot)
        eid = await bob.send(room, "!prefs dm on")
        await bob.wait_reply(room, bot, eid)
        dm = await direct_invite(bob, bot)
        await bob.join(dm)
        now = datetime.datetime.now(tz)
        start = now.replace(second=0, microsecond=0)
        stop = start + datetime.timedelta(minutes=2 if now.second < 30 else 3)
        eid = await bob.send(room, f"!prefs quiet {start:%H:%M}-{stop:%H:%M}")
        await bob.wait_reply(room, bot, eid)
        eid = await bob.send(room, "!remind in 5s quiet-test")
        await bob.wait_reply(room, bot, eid)

        def held():
            return ([e for e in bob.from_user(dm, bot.user_id)
                     if "quiet-test" in e["content"]["body"]] +
                    [e for e in bob.from_user(room, bot.user_id)
                     if "Reminder" in e["content"]["body"]
                     and "quiet-test" in e["content"]["body"]])
        # due in 5 s, but quiet: nothing for a while
        t_end = time.monotonic() + 20
        while time.monotonic() < t_end:
            await bob.sync(1000)
            assert not held(), "sent during the quiet hours"
        assert datetime.datetime.now(tz) < stop
        # caucus status counts them as held for quiet hours, once queued
        # (the due scan may come a little after the 5 s)
        while True:
            st = subprocess.run([CAUCUS, "status", "-c", str(bot.config)], cwd=bot.dir,
                                capture_output=True, text=True, timeout=30)
            if "2 for quiet hours" in st.stdout:
                break
            assert datetime.datetime.now(tz) < stop - datetime.timedelta(seconds=5), \
                "status never counted the held reminders:\n" + st.stdout + st.stderr
            await bob.sync(1000)
            assert not held(), "sent during the quiet hours"
        got = await bob.wait_for(lambda: len(held()) >= 2 and held(), 240,
                                 "the held reminders after the quiet hours")
        for e in got:
            sent = datetime.datetime.fromtimestamp(e["origin_server_ts"] / 1000, tz)
            assert sent >= stop - datetime.timedelta(seconds=1), (sent, stop)
        await asyncio.sleep(3)
        history = await bob.history(dm)
        assert collections.Counter("quiet-test" in e.get("content", {}).get("body", "")
                                   for e in history
                                   if e.get("sender") == bot.user_id)[True] == 1
        await bob.close()
    run(go(), 360)
