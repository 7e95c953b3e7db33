"""Hard limits and stale rights in the daemon: a big answer still reaches
an encrypted room (cut to fit one event), an error repeating a 60 KB
argument is answered, admin rights follow the configured coordination room
after SIGHUP, and a room the bot was removed from shows nothing of its log
any more (its members are unknown)."""
import signal

from conftest import User, room_with_bot, run
from test_e2ee import ask as ask_encrypted
from test_e2ee import encrypted_room_with_bot

EVENT_MAX = 65536


async def ask(user, room, bot, cmd, timeout=60):
    eid = await user.send(room, cmd)
    return (await user.wait_reply(room, bot, eid, timeout))["content"]["body"]


def test_big_answers_reach_an_encrypted_room(homeserver, bot_factory, e2ee_user):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        room = await encrypted_room_with_bot(alice, bot)
        a = await ask_encrypted(alice, room, bot, "!issue link cybersecurity")
        assert "room is now" in a["content"]["body"], a
        # long messages whose every character HTML escapes
        for i in range(52):
            await alice.send(room, f"{i} " + "<&>\"'" * 1400)
        a = await ask_encrypted(alice, room, bot, "!log 50", 120)
        assert "… and " in a["content"]["body"], a["content"]["body"][-300:]
        assert "… and " in a["content"]["formatted_body"]

        x = "x" * 290
        for i in range(130):
            await alice.send(room, f"!action @alice:localhost {i} {x}")
        a = await ask_encrypted(alice, room, bot, "!actions", 180)
        assert "open actions" in a["content"]["body"], a["content"]["body"][:300]
        assert "… and " in a["content"]["body"], a["content"]["body"][-300:]
        assert "413" not in bot.log() and "dropping message" not in bot.log()
        await alice.close()
    run(go(), 420)


def test_error_echoing_60kb_is_answered(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        body = await ask(alice, room, bot, "!positions " + "q" * 60000)
        assert "no such issue" in body, body[:300]
        assert len(body.encode()) < EVENT_MAX // 2
        body = await ask(alice, room, bot, "!" + "q" * 60000)
        assert "unknown command" in body, body[:300]
        assert "dropping message" not in bot.log()
        await alice.close()
    run(go(), 90)


def _with_coordination(config, room):
    """The bot's configuration text with bot.coordination_room set (or none)."""
    lines = [ln for ln in config.splitlines() if not ln.startswith("coordination_room")]
    text = "\n".join(lines)
    if room:
        text = text.replace('admins = ["@alice:localhost"]',
                            f'admins = ["@alice:localhost"]\ncoordination_room = "{room}"')
    return text + "\n"


def test_admin_rights_follow_the_configuration(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        bob = await User(homeserver, "bob").login()
        alias = "coord" + bot.local
        r = await alice.client.room_create(
            alias=alias, invite=[bot.user_id, bob.user_id],
            power_level_override={"users": {alice.user_id: 100, bob.user_id: 50}})
        assert getattr(r, "room_id", None), r
        coord = r.room_id
        await bob.join(coord)
        await alice.wait_member(coord, bot.user_id)
        other = await room_with_bot(alice, bot)

        # the coordination room by alias: bob's power there makes him an admin
        base = bot.config.read_text()
        bot.config.write_text(_with_coordination(base, f"#{alias}:localhost"))
        mark = len(bot.log())
        bot.signal(signal.SIGHUP)
        bot.wait_log(r"reloaded", 20, mark)
        bot.wait_log(r"is " + coord, 20, mark)
        assert "Added" in await ask(bob, coord, bot, "!issue add ots Over-the-top services")

        # another coordination room: the old one's power levels count no more
        bot.config.write_text(_with_coordination(base, other))
        mark = len(bot.log())
        bot.signal(signal.SIGHUP)
        bot.wait_log(r"reloaded", 20, mark)
        assert "only admins" in await ask(bob, coord, bot, "!issue add iot IoT")

        # and none at all, also after a restart
        bot.config.write_text(_with_coordination(base, None))
        assert bot.stop() == 0
        bot.start()
        assert "only admins" in await ask(bob, coord, bot, "!issue add iot IoT", 90)
        await alice.close()
        await bob.close()
    run(go(), 180)


def test_removed_from_room_forgets_its_members(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        other = await room_with_bot(alice, bot)
        assert "room is now" in await ask(alice, room, bot, "!issue link privacy")
        await alice.send(room, "the secret word is pineapple")
        assert "secret word" in await ask(alice, other, bot, "!search pineapple")
        r = await alice.client.room_kick(room, bot.user_id, "not needed here")
        assert not hasattr(r, "status_code"), r
        bot.wait_log(r"removed from " + room)
        # the bot no longer knows who is in that room: nobody sees its log
        assert "secret word" not in await ask(alice, other, bot, "!search pineapple")
        await alice.close()
    run(go(), 60)


def test_refused_answer_is_followed_by_a_notice(homeserver, bot_factory):
    """A room where the bot may not post: its answer is refused for good
    (403), the bot then tries one short notice saying so, and never a
    notice about a refused notice."""
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        r = await alice.client.room_create(
            invite=[bot.user_id],
            power_level_override={"events": {"m.room.message": 100},
                                  "users": {alice.user_id: 100}})
        assert getattr(r, "room_id", None), r
        room = r.room_id
        await alice.wait_member(room, bot.user_id)
        mark = len(bot.log())
        eid = await alice.send(room, "!help")
        bot.wait_log(r"dropping message caucus\.re\." + eid.replace("$", r"\$"), 30, mark)
        bot.wait_log(r"dropping message caucus\.refused\.caucus\.re\.", 30, mark)
        # the outbox goes on: nothing more about it
        other = await room_with_bot(alice, bot)
        assert "caucus" in await ask(alice, other, bot, "!help")
        assert "caucus.refused.caucus.refused" not in bot.log()
        await alice.close()
    run(go(), 90)


def test_reminders_under_load(homeserver, bot_factory):
    """One member's hundred reminders and another's one, all due in the
    same minute: every one is posted within a minute of its time, the other
    member's not behind the hundred; a 101st waiting reminder is refused."""
    import datetime
    import time
    import zoneinfo
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        bob = await User(homeserver, "bob").login()
        room = await room_with_bot(alice, bot)
        await alice.invite(room, bob.user_id)
        await bob.join(room)
        dubai = zoneinfo.ZoneInfo("Asia/Dubai")
        due = (datetime.datetime.now(dubai) + datetime.timedelta(minutes=2)).replace(
            second=0, microsecond=0)
        when = due.strftime("%Y-%m-%d %H:%M")
        sent = [await alice.send(room, f"!remind {when} alice {i}") for i in range(100)]
        for eid in sent:
            await alice.wait_reply(room, bot, eid, 60)
        assert "already have 100 reminders" in await ask(alice, room, bot,
                                                         f"!remind {when} one too many")
        assert "OK, I will remind you" in await ask(bob, room, bot, f"!remind {when} bob's")

        def reminders():
            return [e for e in alice.from_user(room, bot.user_id)
                    if e["content"]["body"].startswith("Reminder")]
        got = await alice.wait_for(lambda: len(reminders()) >= 101 and reminders(),
                                   due.timestamp() - time.time() + 90, "101 reminders")
        late = [e for e in got if e["origin_server_ts"] / 1000 > due.timestamp() + 60]
        assert not late, f"{len(late)} reminders more than a minute late"
        bobs = [i for i, e in enumerate(got) if "bob's" in e["content"]["body"]]
        assert bobs and bobs[0] < 2, bobs
        await alice.close()
        await bob.close()
    run(go(), 300)
