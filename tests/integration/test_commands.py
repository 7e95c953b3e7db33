"""Commands in a room: answers, their relations, and who gets none."""
import asyncio

from conftest import User, room_with_bot, run


def test_answers_with_rich_reply(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        eid = await alice.send(room, "!who-covers cybersecurity")
        ans = await alice.wait_reply(room, bot, eid)
        c = ans["content"]
        assert c["msgtype"] == "m.notice"
        assert c["m.mentions"] == {}
        assert c["format"] == "org.matrix.custom.html"
        assert c["formatted_body"]
        assert "Cybersecurity" in c["body"]
        assert "m.thread" not in str(c["m.relates_to"])
        await alice.close()
    run(go(), 60)


def test_answer_stays_in_thread(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        root = await alice.send(room, "thread about cyber")
        eid = await alice.send(room, "!who-covers cyber", **{
            "m.relates_to": {"rel_type": "m.thread", "event_id": root,
                             "is_falling_back": True,
                             "m.in_reply_to": {"event_id": root}}})
        ans = await alice.wait_reply(room, bot, eid)
        rel = ans["content"]["m.relates_to"]
        assert rel["rel_type"] == "m.thread"
        assert rel["event_id"] == root
        assert rel["is_falling_back"] is False
        assert rel["m.in_reply_to"]["event_id"] == eid
        await alice.close()
    run(go(), 60)


def test_reply_fallback_is_stripped(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        first = await alice.send(room, "hello")
        eid = await alice.send(
            room, "> <@alice:localhost> hello\n\n!who-covers privacy",
            format="org.matrix.custom.html",
            formatted_body="<mx-reply><blockquote>hello</blockquote></mx-reply>"
                           "!who-covers privacy",
            **{"m.relates_to": {"m.in_reply_to": {"event_id": first}}})
        ans = await alice.wait_reply(room, bot, eid)
        assert "Privacy" in ans["content"]["body"]
        await alice.close()
    run(go(), 60)


def test_stranger_gets_nothing(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        mallory = await User(homeserver, "mallory").login()
        room = await room_with_bot(alice, bot)
        await alice.invite(room, mallory.user_id)
        await mallory.join(room)
        ignored = await mallory.send(room, "!who-covers cybersecurity")
        eid = await alice.send(room, "!who-covers privacy")
        await alice.wait_reply(room, bot, eid)
        # answers go in order: had mallory's been answered, it would be here
        await alice.sync(2000)
        assert alice.replies_to(room, bot.user_id, ignored) == []
        await alice.close()
        await mallory.close()
    run(go(), 60)


def test_invites_from_strangers_declined(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        mallory = await User(homeserver, "mallory").login()
        room = await mallory.create_room(invite=[bot.user_id])
        for _ in range(100):
            r = await mallory.client.room_get_state_event(room, "m.room.member", bot.user_id)
            if getattr(r, "content", {}).get("membership") == "leave":
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError("the bot did not decline mallory's invite")
        await mallory.close()
    run(go(), 60)
    bot.wait_log(r"declined the invite")


COMMANDS = [
    "!help", "!help session", "!issues", "!issue add gender Gender",
    "!issue link cybersecurity", "!join cyber", "!issue alias gender women", "!cover cyber",
    "!cover privacy @bob:localhost backup", "!uncover privacy @bob:localhost",
    "!who-covers cybersecurity", "!coverage",
    "!session cyber tomorrow 10:00-11:00 Drafting group @ Room 4", "!sessions",
    "!sessions all", "!attend 1", "!skip 1", "!attend 1", "!move 1 tomorrow 11:00",
    "!uncovered", "!note the chair wants text by Friday", "!decision we support option B",
    "!action @alice:localhost draft the amendment", "!actions", "!done 1",
    "!position CEPT support", "!positions", "!log", "!search amendment", "!catchup",
    "!remind in 2h call the delegation", "!digest", "!cancel 1",
    "!nonsense", "!session", "!cover",
]


def test_every_command_answered_once(homeserver, bot_factory):
    """Each command of SPEC §2, good or bad, gets exactly one m.notice
    that replies to it and mentions nobody unless it names people."""
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        sent = [await alice.send(room, c) for c in COMMANDS]
        await alice.wait_for(
            lambda: all(alice.replies_to(room, bot.user_id, e) for e in sent), 60,
            "an answer to every command")
        await alice.sync(2000)
        for cmd, eid in zip(COMMANDS, sent):
            answers = alice.replies_to(room, bot.user_id, eid)
            assert len(answers) == 1, (cmd, answers)
            c = answers[0]["content"]
            assert c["msgtype"] == "m.notice", cmd
            assert c["body"].strip() and c.get("formatted_body"), cmd
            if cmd.startswith("!action "):
                assert c["m.mentions"] == {"user_ids": ["@alice:localhost"]}, c
            else:
                assert c["m.mentions"] == {}, (cmd, c["m.mentions"])
        await alice.close()
    run(go(), 120)
