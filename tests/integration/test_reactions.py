"""Reactions as commands and escalation (SPEC §2 reactions, §3 escalation):
a 👍 on the bot's announcement of a session makes the reacting member an
attendee and its redaction undoes it, in a plain and in an encrypted room
(there sent as Element sends it: m.room.encrypted, the relation in the
clear); ✅ on an action item closes it; a member outside allowed_users
changes nothing; a session nobody attends is escalated in the issue room
and the coordination room, mentioning its backup."""
import re
import uuid

from conftest import User, api, encrypted_room_with_bot, room_with_bot, run

CS = "/_matrix/client/v3"
THUMBS = "\U0001F44D\uFE0F"
CHECK = "\u2705"


def bot_says(user, room, bot, needle):
    return [e for e in user.from_user(room, bot.user_id) if needle in e["content"]["body"]]


async def answer(user, room, bot, eid, timeout=60):
    return (await user.wait_reply(room, bot, eid, timeout))["content"]["body"]


async def ask(user, room, bot, command, timeout=60):
    return await answer(user, room, bot, await user.send(room, command), timeout)


async def react(user, room, target, key):
    """A plain m.reaction (what nio sends, also in encrypted rooms)."""
    r = await user.client.room_send(room, "m.reaction", {
        "m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": key}})
    assert getattr(r, "event_id", None), r
    return r.event_id


async def react_encrypted(user, room, target, key):
    """An encrypted m.reaction as Element sends it: the plaintext has the
    relation, and so has the clear part of the m.room.encrypted event."""
    rel = {"rel_type": "m.annotation", "event_id": target, "key": key}
    _, content = user.client.encrypt(room, "m.reaction", {"m.relates_to": rel})
    content["m.relates_to"] = rel
    status, r = await api(user.hs.base, user.token, "PUT",
                          f"{CS}/rooms/{room}/send/m.room.encrypted/{uuid.uuid4().hex}",
                          content)
    assert status == 200 and r.get("event_id"), (status, r)
    return r["event_id"]


async def bot_reply(user, room, bot, target, needle, timeout=60):
    """The bot's reply to target whose body holds needle."""
    def seen():
        return [e for e in user.replies_to(room, bot.user_id, target)
                if needle in e["content"]["body"]]
    return (await user.wait_for(seen, timeout, f"the bot's '{needle}' on {target}"))[0]


async def link(user, room, bot, issue="cybersecurity"):
    assert "room is now" in await ask(user, room, bot, f"!issue link {issue}")


async def scheduled(user, room, bot, line):
    """Schedule a session: (its number, the event ID of the bot's answer)."""
    eid = await user.send(room, line)
    a = await user.wait_reply(room, bot, eid)
    n = re.search(r"Scheduled #(\d+)", a["content"]["body"]).group(1)
    return n, a["event_id"]


def test_thumbs_up_attends_and_redaction_skips(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        bob = await User(homeserver, "bob").login()
        mallory = await User(homeserver, "mallory").login()
        room = await room_with_bot(alice, bot)
        for u in (bob, mallory):
            await alice.invite(room, u.user_id)
            await u.join(room)
        await link(alice, room, bot)
        n, ann = await scheduled(alice, room, bot, "!session cyber in 3h Drafting group")

        # someone outside allowed_users: nothing happens, nothing is said
        await react(mallory, room, ann, THUMBS)
        r = await react(bob, room, ann, THUMBS)
        got = await bot_reply(alice, room, bot, ann, f"will attend #{n}")
        assert "Bob" in got["content"]["body"] or "bob" in got["content"]["body"], got
        body = await ask(alice, room, bot, "!sessions")
        assert "bob" in body.lower() and "mallory" not in body.lower(), body

        await bob.redact(room, r)
        await bot_reply(alice, room, bot, ann, f"no longer attends #{n}")
        body = await ask(alice, room, bot, "!sessions")
        assert "nobody attending" in body and "bob" not in body.lower(), body
        assert not bot_says(alice, room, bot, "mallory"), "the bot reacted to mallory"

        # ✅ on an action item's message closes it
        eid = await alice.send(room, "!action @bob:localhost send the text to the chair")
        act = await alice.wait_reply(room, bot, eid)
        await react(bob, room, act["event_id"], CHECK)
        await bot_reply(alice, room, bot, act["event_id"], "done, closed by")
        assert "No open actions" in await ask(alice, room, bot, "!actions")
        for u in (alice, bob, mallory):
            await u.close()
    run(go(), 180)


def test_thumbs_up_in_encrypted_room(homeserver, bot_factory, e2ee_user):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        bob = await e2ee_user("bob").login()
        room = await encrypted_room_with_bot(alice, bot)
        await alice.invite(room, bob.user_id)
        await bob.join(room)
        await alice.prepare(room, [bot.user_id, bob.user_id])
        await bob.prepare(room, [bot.user_id, alice.user_id])
        await link(alice, room, bot)
        n, ann = await scheduled(alice, room, bot, "!session cyber in 3h Contact group")
        # bob's Megolm session reaches the bot with his first message
        assert "Contact group" in await ask(bob, room, bot, "!sessions")
        r = await react_encrypted(bob, room, ann, THUMBS)
        await bot_reply(alice, room, bot, ann, f"will attend #{n}")
        body = await ask(alice, room, bot, "!sessions")
        assert "bob" in body.lower(), body
        await bob.redact(room, r)
        await bot_reply(alice, room, bot, ann, f"no longer attends #{n}")
        body = await ask(alice, room, bot, "!sessions")
        assert "nobody attending" in body, body
        assert not alice.undecryptable_from(room, bot.user_id)
        await alice.close()
        await bob.close()
    run(go(), 240)


def test_escalation_in_both_rooms(homeserver, bot_factory):
    bot = bot_factory(homeserver, extra='[reminders]\nbefore = []\nescalate = "2m"\n')

    async def go():
        alice = await User(homeserver, "alice").login()
        bob = await User(homeserver, "bob").login()
        coord = await alice.create_room(invite=[bot.user_id, bob.user_id])
        await bob.join(coord)
        text = bot.config.read_text().replace(
            'admins = ["@alice:localhost"]',
            f'admins = ["@alice:localhost"]\ncoordination_room = "{coord}"', 1)
        bot.config.write_text(text)
        bot.start()
        await alice.wait_member(coord, bot.user_id)
        room = await room_with_bot(alice, bot)
        await link(alice, room, bot)
        await ask(alice, room, bot, "!cover cyber")
        await ask(alice, room, bot, "!cover cyber @bob:localhost backup")
        # escalated at 2 min before the start: about a minute from now
        n, _ = await scheduled(alice, room, bot, "!session cyber in 3m Informal consultations")
        needle = f"Nobody is going to #{n}"

        def both():
            return (bot_says(alice, room, bot, needle), bot_says(alice, coord, bot, needle))
        await alice.wait_for(lambda: all(both()), 150, "the escalation in both rooms")
        for msgs in both():
            assert len(msgs) == 1, msgs
            c = msgs[0]["content"]
            assert "\u270b" in c["body"], c
            assert "@bob:localhost" in c["m.mentions"]["user_ids"], c
            assert "@alice:localhost" in c["m.mentions"]["user_ids"], c
        # ✋ on the escalation is !attend
        esc = both()[1][0]["event_id"]
        await react(bob, coord, esc, "\u270b")
        await bot_reply(alice, coord, bot, esc, f"will attend #{n}")
        await alice.sync(2000)
        assert all(len(m) == 1 for m in both()), "escalated more than once"
        await alice.close()
        await bob.close()
    run(go(), 240)
