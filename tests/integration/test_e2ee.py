"""End-to-end encrypted rooms (SPEC §3 "Encrypted rooms"): the daemon reads
commands and answers, encrypted, in rooms with m.room.encryption, as seen by
an independent encrypting client (matrix-nio with python3-olm, E2EEUser in
conftest.py), and its keys on the server are what other clients need."""
import asyncio
import collections
import json
import random
import re
import time
import uuid

import olm

from conftest import api, encrypted_room_with_bot, run
from test_commands import COMMANDS

OLM = "m.olm.v1.curve25519-aes-sha2"
MEGOLM = "m.megolm.v1.aes-sha2"
CS = "/_matrix/client/v3"


def no_undecryptable(user, room, bot):
    utd = user.undecryptable_from(room, bot.user_id)
    assert not utd, (f"{user.user_id} device {user.device_id} could not decrypt "
                     f"{len(utd)} event(s) of the bot: {json.dumps(utd[:3])}")


def decrypted_event(user, room, event_id):
    return [e for e in user.events.get(room, [])
            if e.get("event_id") == event_id and "_e2ee" in e]


async def answer(user, room, bot, event_id, timeout=60):
    """The bot's answer to event_id: it must have come encrypted, and nio
    must have decrypted it (and every other event of the bot)."""
    def seen():
        return (user.replies_to(room, bot.user_id, event_id)
                or user.undecryptable_from(room, bot.user_id))
    await user.wait_for(seen, timeout, f"the bot's answer to {event_id}")
    no_undecryptable(user, room, bot)
    a = user.replies_to(room, bot.user_id, event_id)[0]
    assert "_e2ee" in a, f"the bot answered in the clear in an encrypted room: {a}"
    return a


async def ask(user, room, bot, command, timeout=60):
    eid = await user.send(room, command)
    return await answer(user, room, bot, eid, timeout)


def canonical(obj):
    """Matrix canonical JSON of a signed object, without what is not signed."""
    o = {k: v for k, v in obj.items() if k not in ("signatures", "unsigned")}
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def check_signature(public_key, obj, user_id, key_id, what):
    sig = obj.get("signatures", {}).get(user_id, {}).get(key_id)
    assert sig, f"{what}: no signature of {user_id} {key_id}: {obj}"
    try:
        olm.ed25519_verify(public_key, canonical(obj), sig)
    except olm.OlmVerifyError as e:
        raise AssertionError(f"{what}: the {key_id} signature does not verify ({e}): {obj}")


async def bot_keys(hs, token, bot, cross_signing=False, timeout=30):
    """(device ID, /keys/query answer) once the server has the bot's device
    keys (and its cross-signing keys, when asked)."""
    deadline = time.monotonic() + timeout
    r = None
    while time.monotonic() < deadline:
        dev = bot.meta("device_id")
        status, r = await api(hs.base, token, "POST", f"{CS}/keys/query",
                              {"device_keys": {bot.user_id: []}})
        assert status == 200, r
        ok = dev and dev in r.get("device_keys", {}).get(bot.user_id, {})
        if ok and cross_signing:
            ok = (bot.user_id in r.get("master_keys", {})
                  and bot.user_id in r.get("self_signing_keys", {}))
        if ok:
            return dev, r
        await asyncio.sleep(0.5)
    raise AssertionError(f"the bot's {'cross-signing' if cross_signing else 'device'} "
                         f"keys are not on the server within {timeout} s: {r}")


async def claim(hs, token, bot, dev):
    """Take one of the bot's one-time keys: {key ID: signed key}, {} if none."""
    status, r = await api(hs.base, token, "POST", f"{CS}/keys/claim",
                          {"one_time_keys": {bot.user_id: {dev: "signed_curve25519"}}})
    assert status == 200, r
    return r.get("one_time_keys", {}).get(bot.user_id, {}).get(dev, {})


async def otk_count(hs, bot):
    """How many signed_curve25519 one-time keys the server holds for the
    bot's device (asked with the bot's own token: an empty upload)."""
    status, r = await api(hs.base, bot.meta("access_token"), "POST", f"{CS}/keys/upload", {})
    assert status == 200, r
    return r.get("one_time_key_counts", {}).get("signed_curve25519", 0)


def test_e2ee_nio_sanity(homeserver, e2ee_user):
    """The harness itself: two nio devices exchange encrypted messages
    through Synapse and each decrypts the other's."""

    async def go():
        alice = await e2ee_user("alice").login()
        bob = await e2ee_user("bob").login()
        room = await alice.create_room(invite=[bob.user_id])
        await bob.join(room)
        await alice.prepare(room, [bob.user_id])
        eid = await alice.send(room, "hello bob")
        got = await bob.wait_for(lambda: bob.decrypted_from(room, alice.user_id), 30,
                                 "alice's message, decrypted")
        ev = got[0]
        assert ev["event_id"] == eid and ev["type"] == "m.room.message", ev
        assert ev["content"]["body"] == "hello bob", ev
        status, raw = await api(homeserver.base, bob.token, "GET",
                                f"{CS}/rooms/{room}/event/{eid}")
        assert status == 200 and raw["type"] == "m.room.encrypted", raw
        assert raw["content"]["algorithm"] == MEGOLM, raw
        assert ev["_e2ee"]["session_id"] == raw["content"]["session_id"]

        await bob.prepare(room, [alice.user_id])
        back = await bob.send(room, "hello alice", **{
            "m.relates_to": {"m.in_reply_to": {"event_id": eid}}})
        ans = await alice.wait_for(lambda: alice.replies_to(room, bob.user_id, eid), 30,
                                   "bob's reply, decrypted")
        assert ans[0]["event_id"] == back and "_e2ee" in ans[0], ans
        assert ans[0]["content"]["body"] == "hello alice"
        assert not alice.undecryptable.get(room) and not bob.undecryptable.get(room), (
            alice.undecryptable, bob.undecryptable)
        await alice.close()
        await bob.close()
    run(go(), 90)


def test_answer_encrypted(homeserver, bot_factory, e2ee_user):
    """In a room made encrypted with default settings (as Element makes
    them), a command is answered with m.room.encrypted that nio decrypts."""
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        room = await encrypted_room_with_bot(alice, bot)
        ans = await ask(alice, room, bot, "!who-covers cybersecurity")
        c = ans["content"]
        assert ans["type"] == "m.room.message", ans
        assert c["msgtype"] == "m.notice", c
        assert "Cybersecurity" in c["body"] and c.get("formatted_body"), c
        assert c["m.mentions"] == {}, c
        # what the server holds is Megolm from the bot's device
        dev, keys = await bot_keys(homeserver, alice.token, bot)
        status, raw = await api(homeserver.base, alice.token, "GET",
                                f"{CS}/rooms/{room}/event/{ans['event_id']}")
        assert status == 200 and raw["type"] == "m.room.encrypted", raw
        rc = raw["content"]
        assert rc["algorithm"] == MEGOLM, rc
        assert rc["session_id"] == ans["_e2ee"]["session_id"], rc
        assert rc["sender_key"] == keys["device_keys"][bot.user_id][dev]["keys"][
            f"curve25519:{dev}"], rc
        assert rc.get("device_id") == dev, rc
        await alice.close()
    run(go(), 120)


def test_every_command_encrypted(homeserver, bot_factory, e2ee_user):
    """Every command of SPEC §2 (the list test_commands.py sends), in an
    encrypted room, is answered exactly once, decryptably; after a SIGKILL
    and a restart every command again, and nothing is answered twice."""
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        room = await encrypted_room_with_bot(alice, bot)
        sent = [await alice.send(room, c) for c in COMMANDS]

        def answered():
            return (all(alice.replies_to(room, bot.user_id, e) for e in sent)
                    or alice.undecryptable_from(room, bot.user_id))
        await alice.wait_for(answered, 120, "an answer to every command")
        no_undecryptable(alice, room, bot)
        await alice.sync(2000)
        for cmd, eid in zip(COMMANDS, sent):
            answers = alice.replies_to(room, bot.user_id, eid)
            assert len(answers) == 1, (cmd, answers)
            a = answers[0]
            assert "_e2ee" in a, (cmd, "answered in the clear", a)
            c = a["content"]
            assert c["msgtype"] == "m.notice", cmd
            assert c["body"].strip() and c.get("formatted_body"), cmd
            if cmd.startswith("!action "):
                assert c["m.mentions"] == {"user_ids": ["@alice:localhost"]}, c
            else:
                assert c["m.mentions"] == {}, (cmd, c["m.mentions"])

        # killed and restarted: every command again, each answered decryptably
        bot.kill()
        bot.start()
        again = list(COMMANDS)
        more = [await alice.send(room, c) for c in again]
        for cmd, eid in zip(again, more):
            a = await answer(alice, room, bot, eid, 90)
            assert a["content"]["msgtype"] == "m.notice", (cmd, a)
            assert a["content"]["body"].strip(), (cmd, a)
        await alice.sync(2000)
        no_undecryptable(alice, room, bot)
        for cmd, eid in zip(COMMANDS + again, sent + more):
            assert len(alice.replies_to(room, bot.user_id, eid)) == 1, cmd
        await alice.close()
    run(go(), 180)


def test_messages_while_stopped(homeserver, bot_factory, e2ee_user):
    """Encrypted messages sent while the bot is stopped - some in a Megolm
    session whose key was sent to it while it was stopped - are decrypted,
    answered and logged once it is back."""
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        room = await encrypted_room_with_bot(alice, bot)
        assert "room is now" in (await ask(alice, room, bot,
                                           "!issue link cybersecurity"))["content"]["body"]
        assert bot.stop() == 0
        sent = [await alice.send(room, f"!note while-stopped {k} kiwi{k}") for k in range(3)]
        # a new Megolm session: its room key goes to the bot while it is down
        alice.client.invalidate_outbound_session(room)
        sent += [await alice.send(room, f"!note while-stopped {k} kiwi{k}")
                 for k in range(3, 6)]
        said = await alice.send(room, "the secret word is pineapple")
        await alice.sync(0)
        sessions = {e["_e2ee"]["session_id"] for e in alice.events[room]
                    if e.get("event_id") in sent + [said]}
        assert len(sessions) == 2, sessions     # the harness did rotate
        bot.start()
        for eid in sent:
            await answer(alice, room, bot, eid, 90)
        log = (await ask(alice, room, bot, "!log 20"))["content"]["body"]
        for k in range(6):
            assert f"kiwi{k}" in log, (k, log)
        found = (await ask(alice, room, bot, "!search kiwi4"))["content"]["body"]
        assert "kiwi4" in found, found
        found = (await ask(alice, room, bot, "!search pineapple"))["content"]["body"]
        assert "pineapple" in found, found
        entries = bot.export("cybersecurity")["entries"]
        notes = collections.Counter(re.search(r"kiwi(\d)", e["body"]).group(1)
                                    for e in entries
                                    if e["kind"] == "note" and "kiwi" in e["body"])
        assert notes == collections.Counter(str(k) for k in range(6)), entries
        for eid in sent:
            assert len(alice.replies_to(room, bot.user_id, eid)) == 1, eid
        await alice.close()
    run(go(), 180)


def test_sigkill_during_encrypted_burst(homeserver, bot_factory, e2ee_user):
    """SIGKILL at random points during 100 encrypted commands, restarting
    each time: every command answered exactly once, every answer
    decryptable (no Megolm message index reused after a restart), every
    note kept once."""
    bot = bot_factory(homeserver).start()
    n = 100

    async def go():
        alice = await e2ee_user("alice").login()
        room = await encrypted_room_with_bot(alice, bot)
        await ask(alice, room, bot, "!issue link cybersecurity")
        sent = []

        async def burst():
            for k in range(n):
                sent.append(await alice.send(room, f"!note burst {k}"))
                await asyncio.sleep(random.uniform(0, 0.1))

        async def killer():
            for _ in range(5):
                await asyncio.sleep(random.uniform(0.3, 2.0))
                bot.kill()
                bot.start()
        await asyncio.gather(burst(), killer())

        def all_answered():
            return (all(alice.replies_to(room, bot.user_id, e) for e in sent)
                    or alice.undecryptable_from(room, bot.user_id))
        await alice.wait_for(all_answered, 120, "answers to all commands")
        no_undecryptable(alice, room, bot)
        await asyncio.sleep(3)
        await alice.sync(0)
        no_undecryptable(alice, room, bot)
        history = await alice.history(room)
        utd = [e for e in history
               if e.get("sender") == bot.user_id and e.get("type") == "m.room.encrypted"]
        assert not utd, f"undecryptable events of the bot in the history: {utd[:3]}"
        clear = [e for e in history
                 if e.get("sender") == bot.user_id and e.get("type") == "m.room.message"
                 and "_e2ee" not in e]
        assert not clear, f"the bot wrote in the clear: {clear[:3]}"
        answers = collections.Counter(
            e["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            for e in history
            if e.get("sender") == bot.user_id and e.get("type") == "m.room.message")
        twice = {e: k for e, k in answers.items() if k > 1}
        assert not twice, f"answered more than once: {twice}"
        assert all(answers.get(e) == 1 for e in sent)
        kept = collections.Counter(re.fullmatch(r"burst (\d+)", e["body"]).group(1)
                                   for e in bot.export("cybersecurity")["entries"]
                                   if e["kind"] == "note"
                                   and re.fullmatch(r"burst \d+", e["body"]))
        assert kept == collections.Counter(str(k) for k in range(n)), kept
        await alice.close()
    run(go(), 180)
    assert bot.log().count("==== start") == 6


def test_new_device_and_leaving_member(homeserver, bot_factory, e2ee_user):
    """A member's device that logs in after the room exists gets the keys
    of the bot's next answer; when a member leaves, the bot's next message
    is in a new Megolm session that the leaver was not given."""
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        bob = await e2ee_user("bob").login()
        room = await alice.create_room(invite=[bot.user_id, bob.user_id])
        await alice.wait_member(room, bot.user_id)
        await bob.join(room)
        await alice.prepare(room, [bot.user_id, bob.user_id], 30)
        first = await ask(alice, room, bot, "!who-covers cyber")
        await bob.wait_for(lambda: (decrypted_event(bob, room, first["event_id"])
                                    or bob.undecryptable_from(room, bot.user_id)),
                           30, "the bot's answer at bob")
        no_undecryptable(bob, room, bot)

        # alice's second device, new after the room and the bot's session
        alice2 = await e2ee_user("alice", device_name="nio-second").login()
        old_utd = len(alice2.undecryptable_from(room, bot.user_id))
        second = await ask(alice, room, bot, "!issues")
        await alice2.wait_for(
            lambda: (decrypted_event(alice2, room, second["event_id"])
                     or len(alice2.undecryptable_from(room, bot.user_id)) > old_utd),
            60, "the bot's answer at alice's new device")
        utd = alice2.undecryptable_from(room, bot.user_id)[old_utd:]
        assert not utd, f"alice's new device could not decrypt the bot's answer: {utd}"
        before = second["_e2ee"]["session_id"]
        # bob, still a member, has that session (so the check below can see one)
        await bob.wait_for(lambda: decrypted_event(bob, room, second["event_id"]), 30,
                           "the bot's second answer at bob")
        assert bob.client.olm.inbound_group_store.get(
            room, second["_e2ee"]["sender_key"], before) is not None

        # bob leaves: the bot's next message is in a new session
        r = await bob.client.room_leave(room)
        assert not hasattr(r, "status_code"), r
        third = await ask(alice, room, bot, "!who-covers privacy")
        after = third["_e2ee"]["session_id"]
        assert after != before, "the bot kept its Megolm session after bob left"
        await alice2.wait_for(lambda: decrypted_event(alice2, room, third["event_id"]),
                              60, "the bot's answer after bob left, at alice's new device")
        for _ in range(3):
            await bob.sync(500)
        given = bob.client.olm.inbound_group_store.get(room, third["_e2ee"]["sender_key"],
                                                       after)
        assert given is None, "the bot gave its new session's key to bob, who left"
        await alice.close()
        await alice2.close()
        await bob.close()
    run(go(), 180)


def test_one_time_keys_topped_up(homeserver, bot_factory, e2ee_user):
    """After 60 of its one-time keys were claimed (more than it keeps), the
    bot is still reachable - a new Olm session with it works, through its
    fallback key if need be - and it uploads keys again until the server
    holds at least 50.  Every key claimed is signed by its device."""
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        room = await encrypted_room_with_bot(alice, bot)
        dev, keys = await bot_keys(homeserver, alice.token, bot)
        ed = keys["device_keys"][bot.user_id][dev]["keys"][f"ed25519:{dev}"]
        deadline = time.monotonic() + 30
        while await otk_count(homeserver, bot) < 50:
            assert time.monotonic() < deadline, (
                f"the bot has {await otk_count(homeserver, bot)} one-time keys on the "
                "server, not 50")
            await asyncio.sleep(0.5)

        claimed = [await claim(homeserver, alice.token, bot, dev) for _ in range(60)]
        otk_ids = []
        for k in filter(None, claimed):
            assert len(k) == 1, k
            (key_id, obj), = k.items()
            assert key_id.startswith("signed_curve25519:"), k
            check_signature(ed, obj, bot.user_id, f"ed25519:{dev}", f"claimed key {key_id}")
            if not obj.get("fallback"):
                otk_ids.append(key_id)
        empty = sum(1 for k in claimed if not k)
        assert not empty, (f"{empty} of 60 claims got no key: the bot ran out of "
                           "one-time keys and published no fallback key")
        assert len(set(otk_ids)) == len(otk_ids), "a one-time key was handed out twice"
        assert len(otk_ids) >= 50, f"only {len(otk_ids)} one-time keys before the fallback"

        # alice's device has no Olm session with the bot yet: this starts one
        await ask(alice, room, bot, "!who-covers cyber")
        deadline = time.monotonic() + 60
        nudge = time.monotonic() + 10
        while (count := await otk_count(homeserver, bot)) < 50:
            assert time.monotonic() < deadline, (
                f"the server holds {count} one-time keys of the bot, not 50, "
                "60 s after they were claimed")
            if time.monotonic() > nudge:        # have it sync again
                await ask(alice, room, bot, "!help")
                nudge = time.monotonic() + 10
            await asyncio.sleep(0.5)
        await alice.close()
    run(go(), 180)


def check_cross_signed_device(r, user_id, dev):
    """In a /keys/query answer: user_id's master key signs its self-signing
    key, which signs device dev; the device signs its own keys.  Returns
    the device's ed25519 key."""
    master = r["master_keys"][user_id]
    assert master["user_id"] == user_id and "master" in master["usage"], master
    (mk_id, mk), = master["keys"].items()
    assert mk_id == f"ed25519:{mk}", master

    ssk = r["self_signing_keys"][user_id]
    assert ssk["user_id"] == user_id and "self_signing" in ssk["usage"], ssk
    (sk_id, sk), = ssk["keys"].items()
    assert sk_id == f"ed25519:{sk}", ssk
    check_signature(mk, ssk, user_id, mk_id, "self-signing key, by the master key")

    device = r["device_keys"][user_id][dev]
    assert device["user_id"] == user_id and device["device_id"] == dev, device
    assert OLM in device["algorithms"] and MEGOLM in device["algorithms"], device
    ed = device["keys"][f"ed25519:{dev}"]
    assert device["keys"].get(f"curve25519:{dev}"), device
    check_signature(ed, device, user_id, f"ed25519:{dev}", "device keys, self-signed")
    check_signature(sk, device, user_id, sk_id, "device keys, by the self-signing key")
    return ed


def test_device_and_cross_signing_keys(homeserver, bot_factory, e2ee_user):
    """The bot's keys as other clients fetch them: its master key signs its
    self-signing key, which signs its device; the device signs its own keys
    and its one-time keys (all over canonical JSON)."""
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        dev, r = await bot_keys(homeserver, alice.token, bot, cross_signing=True)
        ed = check_cross_signed_device(r, bot.user_id, dev)
        k = await claim(homeserver, alice.token, bot, dev)
        assert len(k) == 1, k
        (key_id, obj), = k.items()
        assert key_id.startswith("signed_curve25519:") and obj.get("key"), k
        check_signature(ed, obj, bot.user_id, f"ed25519:{dev}", f"one-time key {key_id}")
        await alice.close()
    run(go(), 120)


# a warn line about it: loosely, one that names decryption or encryption
WARNING = re.compile(r"^\S+ warn .*(decrypt|encrypt|olm|megolm|cipher)", re.I | re.M)


async def wait_warning(bot, after, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if WARNING.search(bot.log()[after:]):
            return
        assert bot.running(), f"the bot died after {what}:\n{bot.log()[-3000:]}"
        await asyncio.sleep(0.2)
    raise AssertionError(f"no warning about {what} in the bot's log within {timeout} s:\n"
                         + bot.log()[after:][-3000:])


def test_bad_encrypted_input(homeserver, bot_factory, e2ee_user):
    """Broken to-device and room m.room.encrypted messages: each gets a
    warning in the log (level warn, naming decryption, encryption, Olm,
    Megolm or the ciphertext), the
    bot does not crash and still answers an encrypted command."""
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        room = await encrypted_room_with_bot(alice, bot)
        mine = await alice.send(room, "!who-covers cyber")
        await answer(alice, room, bot, mine)
        megolm_session = decrypted_event(alice, room, mine)[0]["_e2ee"]["session_id"]
        dev, keys = await bot_keys(homeserver, alice.token, bot)
        bot_dev = keys["device_keys"][bot.user_id][dev]
        bot_curve = bot_dev["keys"][f"curve25519:{dev}"]
        bot_ed = bot_dev["keys"][f"ed25519:{dev}"]

        # real pre-key messages from alice's device (a session nio does not keep)
        account = alice.client.olm.account
        my_curve = account.identity_keys["curve25519"]
        (_, otk), = (await claim(homeserver, alice.token, bot, dev)).items()
        session = olm.OutboundSession(account, bot_curve, otk["key"])

        def prekey():
            m = session.encrypt(json.dumps({
                "type": "m.dummy", "content": {}, "sender": alice.user_id,
                "sender_device": alice.device_id,
                "keys": {"ed25519": account.identity_keys["ed25519"]},
                "recipient": bot.user_id, "recipient_keys": {"ed25519": bot_ed}}))
            assert m.message_type == 0
            return m.ciphertext

        def olm_content(body, algorithm=OLM, to=bot_curve):
            return {"algorithm": algorithm, "sender_key": my_curve,
                    "ciphertext": {to: {"type": 0, "body": body}}}

        body = prekey()
        flip = "A" if body[-6] != "A" else "B"          # in the MAC
        other_curve = olm.Account().identity_keys["curve25519"]
        to_device = [
            ("a corrupted Olm ciphertext", olm_content(body[:-6] + flip + body[-5:])),
            ("a truncated Olm ciphertext", olm_content(prekey()[:len(body) // 2])),
            ("an unknown algorithm", olm_content(prekey(), algorithm="m.olm.v9.unknown")),
            ("an Olm message for another curve25519 key", olm_content(prekey(), to=other_curve)),
        ]
        for what, content in to_device:
            after = len(bot.log())
            status, r = await api(
                homeserver.base, alice.token, "PUT",
                f"{CS}/sendToDevice/m.room.encrypted/{uuid.uuid4().hex}",
                {"messages": {bot.user_id: {dev: content}}})
            assert status == 200, (what, r)
            await wait_warning(bot, after, what)

        after = len(bot.log())
        status, r = await api(
            homeserver.base, alice.token, "PUT",
            f"{CS}/rooms/{room}/send/m.room.encrypted/{uuid.uuid4().hex}",
            {"algorithm": MEGOLM, "sender_key": my_curve, "device_id": alice.device_id,
             "session_id": megolm_session, "ciphertext": "AwgAEiBnYXJiYWdlIGdhcmJhZ2UgZ2FyYmFnZQ"})
        assert status == 200, r
        await wait_warning(bot, after, "a room event with a garbage Megolm ciphertext")

        a = await ask(alice, room, bot, "!who-covers privacy")
        assert "Privacy" in a["content"]["body"], a
        assert bot.running()
        await alice.close()
    run(go(), 180)
