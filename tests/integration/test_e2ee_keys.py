"""Encrypted messages whose room key never reaches the bot: after a wait
(shortened here with CAUCUS_KEY_WAIT_MS) it answers, once per sender and
session, that it could not decrypt them - instead of staying silent - and
it keeps answering what it can read."""
import asyncio
import uuid

import olm

from conftest import api, encrypted_room_with_bot, run

CS = "/_matrix/client/v3"


def test_undecryptable_message_answered(homeserver, bot_factory, e2ee_user, monkeypatch):
    monkeypatch.setenv("CAUCUS_KEY_WAIT_MS", "3000")
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        room = await encrypted_room_with_bot(alice, bot)
        # a Megolm session whose key alice never shares with anyone
        hidden = olm.OutboundGroupSession()
        ids = []
        for text in ("!who-covers cyber", "!issues"):
            ct = hidden.encrypt('{"type":"m.room.message","content":{"msgtype":"m.text",'
                                '"body":"%s"},"room_id":"%s"}' % (text, room))
            status, r = await api(
                homeserver.base, alice.token, "PUT",
                f"{CS}/rooms/{room}/send/m.room.encrypted/{uuid.uuid4().hex}",
                {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": ct,
                 "session_id": hidden.id, "device_id": alice.device_id,
                 "sender_key": alice.client.olm.account.identity_keys["curve25519"]})
            assert status == 200, r
            ids.append(r["event_id"])

        def told():
            return [e for e in alice.from_user(room, bot.user_id)
                    if "could not decrypt" in e["content"].get("body", "")]
        got = await alice.wait_for(told, 60, "the bot saying it could not decrypt")
        assert "_e2ee" in got[0], "the notice went out in the clear"
        replied = got[0]["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
        assert replied in ids, got[0]
        assert got[0]["content"]["m.mentions"] == {"user_ids": [alice.user_id]}, got[0]
        # once per sender and session, not once per message
        await asyncio.sleep(5)
        await alice.sync(1000)
        assert len(told()) == 1, told()
        # what it can read is answered as ever
        eid = await alice.send(room, "!who-covers privacy")
        await alice.wait_reply(room, bot, eid, 60)
        assert "gave up waiting for the key" in bot.log()
        await alice.close()
    run(go(), 150)


def test_encryption_off(homeserver, bot_factory, e2ee_user):
    """encryption.enabled = false turns all of it off: no key file, no keys
    on the server, encrypted rooms ignored; plain rooms answered as ever."""
    bot = bot_factory(homeserver, extra="[encryption]\nenabled = false\n").start()

    async def go():
        alice = await e2ee_user("alice").login()
        plain = await alice.create_room(invite=[bot.user_id], encrypted=False)
        await alice.wait_member(plain, bot.user_id)
        eid = await alice.send(plain, "!who-covers cyber")
        a = await alice.wait_reply(plain, bot, eid, 60)
        assert "_e2ee" not in a and "Cybersecurity" in a["content"]["body"], a

        enc = await alice.create_room(invite=[bot.user_id])
        await alice.wait_member(enc, bot.user_id)
        await alice.prepare(enc, [], 10)
        ignored = await alice.send(enc, "!who-covers privacy")
        # the plain room's next answer shows the bot has read past it
        eid = await alice.send(plain, "!issues")
        await alice.wait_reply(plain, bot, eid, 60)
        await alice.sync(1000)
        assert not alice.replies_to(enc, bot.user_id, ignored)

        status, r = await api(homeserver.base, alice.token, "POST", f"{CS}/keys/query",
                              {"device_keys": {bot.user_id: []}})
        assert status == 200 and not r["device_keys"].get(bot.user_id), r
        assert not (bot.dir / "caucus.key").exists()
        assert "e2ee:" not in bot.log()
        await alice.close()
    run(go(), 120)


async def send_hidden(hs, user, room, text, session=None):
    """An m.room.encrypted under a Megolm session whose key nobody gets;
    returns the event ID."""
    hidden = session or olm.OutboundGroupSession()
    ct = hidden.encrypt('{"type":"m.room.message","content":{"msgtype":"m.text",'
                        '"body":"%s"},"room_id":"%s"}' % (text, room))
    status, r = await api(
        hs.base, user.token, "PUT",
        f"{CS}/rooms/{room}/send/m.room.encrypted/{uuid.uuid4().hex}",
        {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": ct,
         "session_id": hidden.id, "device_id": user.device_id,
         "sender_key": user.client.olm.account.identity_keys["curve25519"]})
    assert status == 200, r
    return r["event_id"]


def test_undecryptable_strangers_ignored_and_rate_limited(homeserver, bot_factory, e2ee_user,
                                                          monkeypatch):
    """A sender outside allowed_users is dropped before decryption and never
    told anything; an allowed sender who invents a new session ID per
    message is told once per room, not once per session."""
    monkeypatch.setenv("CAUCUS_KEY_WAIT_MS", "2000")
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        mallory = await e2ee_user("mallory").login()
        room = await encrypted_room_with_bot(alice, bot)
        await alice.invite(room, mallory.user_id)
        await mallory.join(room)
        await alice.wait_member(room, mallory.user_id)
        strangers = [await send_hidden(homeserver, mallory, room, f"!issues {i}")
                     for i in range(3)]
        mine = [await send_hidden(homeserver, alice, room, f"!who-covers cyber {i}")
                for i in range(3)]

        def told():
            return [e for e in alice.from_user(room, bot.user_id)
                    if "could not decrypt" in e["content"].get("body", "")]
        await alice.wait_for(told, 60, "the bot saying it could not decrypt")
        # everything else the bot would say about them has had time to come
        eid = await alice.send(room, "!who-covers privacy")
        await alice.wait_reply(room, bot, eid, 60)
        await asyncio.sleep(4)
        await alice.sync(1000)
        got = told()
        assert len(got) == 1, f"more than one notice for one sender in one room: {got}"
        assert got[0]["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] in mine
        assert got[0]["content"]["m.mentions"] == {"user_ids": [alice.user_id]}, got[0]
        log = bot.log()
        for e in strangers:
            assert e not in log, f"an event of a sender outside allowed_users was read: {e}"
        await alice.close()
        await mallory.close()
    run(go(), 180)
