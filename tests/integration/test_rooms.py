"""Rooms and configuration while running: a kick unlinks the issue room,
SIGHUP reloads the configuration (and keeps the old one if the new one has
errors)."""
import signal

from conftest import User, room_with_bot, run


def test_kick_unlinks_issue_room(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        other = await room_with_bot(alice, bot)
        eid = await alice.send(room, "!issue link privacy")
        assert "room is now" in (await alice.wait_reply(room, bot, eid))["content"]["body"]
        eid = await alice.send(other, "!issues")
        assert room in (await alice.wait_reply(other, bot, eid))["content"]["body"]
        r = await alice.client.room_kick(room, bot.user_id, "not needed here")
        assert not hasattr(r, "status_code"), r
        bot.wait_log(r"removed from " + room)
        eid = await alice.send(other, "!issues")
        assert room not in (await alice.wait_reply(other, bot, eid))["content"]["body"]
        await alice.close()
    run(go(), 60)


def test_sighup_reloads_config(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        eid = await alice.send(room, "!who-covers gender")
        assert "no such issue" in (await alice.wait_reply(room, bot, eid))["content"]["body"]

        good = bot.config.read_text()
        bot.config.write_text(good + '\n[[issue]]\nslug = "gender"\nname = "Gender"\n')
        mark = len(bot.log())
        bot.signal(signal.SIGHUP)
        bot.wait_log(r"reloaded", 20, mark)
        eid = await alice.send(room, "!who-covers gender")
        assert "Gender" in (await alice.wait_reply(room, bot, eid))["content"]["body"]

        # a broken file is refused, and the bot carries on with the last good one
        bot.config.write_text(good + "\n[bot]\nnonsense = 1\n")
        mark = len(bot.log())
        bot.signal(signal.SIGHUP)
        bot.wait_log(r"not reloaded", 20, mark)
        eid = await alice.send(room, "!who-covers gender")
        assert "Gender" in (await alice.wait_reply(room, bot, eid))["content"]["body"]
        await alice.close()
    run(go(), 60)
