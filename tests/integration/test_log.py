"""Edits and redactions reach the issue log: an edit replaces the text, a
redacted message is gone from !search, and an edited command is not run
again."""
from conftest import User, room_with_bot, run


def test_edit_and_redaction(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)

        async def ask(cmd):
            eid = await alice.send(room, cmd)
            return (await alice.wait_reply(room, bot, eid))["content"]["body"]
        assert "room is now" in await ask("!issue link cybersecurity")
        said = await alice.send(room, "the secret word is pineapple")
        assert "pineapple" in await ask("!search pineapple")

        await alice.send(room, "* the secret word is mango", **{
            "m.new_content": {"msgtype": "m.text", "body": "the secret word is mango"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": said}})
        assert "mango" in await ask("!search mango")
        assert "Nothing" in await ask("!search pineapple")

        await alice.redact(room, said)
        assert "Nothing" in await ask("!search mango")

        # an edited command is not run again
        cmd = await alice.send(room, "!note first version")
        await alice.wait_reply(room, bot, cmd)
        edit = await alice.send(room, "* !note second version", **{
            "m.new_content": {"msgtype": "m.text", "body": "!note second version"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": cmd}})
        after = await ask("!help")
        assert after
        assert alice.replies_to(room, bot.user_id, edit) == []
        assert len(alice.replies_to(room, bot.user_id, cmd)) == 1
        await alice.close()
    run(go(), 90)
