"""Encrypted rooms seen from Element's own crypto stack (matrix-js-sdk with
its Rust crypto, tests/js/): a room made as Element makes a private room,
the strictest device isolation Element offers, withheld keys explained,
and an account whose cross-signing identity was made by Element."""
import asyncio
import re
import sqlite3
import time
import uuid

from conftest import PASSWORD, api, run
from jsclient import JsUser

CS = "/_matrix/client/v3"


def person(hs, tmp_path):
    """A new account on hs (so nothing else in the run shares its
    devices) and its js-sdk device, not yet logged in."""
    local = "el" + uuid.uuid4().hex[:8]
    hs.register(local)
    return JsUser(hs, local, tmp_path, PASSWORD)


async def element_room(js, bot):
    room = (await js.call("create_room", invite=[bot.user_id], name="delegation"))["room_id"]
    await js.call("wait_member", room_id=room, user_id=bot.user_id, timeout_ms=30000)
    return room


async def ask(js, room, bot, command, timeout=60):
    eid = (await js.call("send", room_id=room, body=command, timeout=timeout))["event_id"]
    # timeout: the reply's wait in client.mjs; the call's own a little longer
    r = await js.call("wait_reply", room_id=room, sender=bot.user_id, event_id=eid,
                      timeout_ms=timeout * 1000, timeout=timeout + 10)
    return r["events"][0]


def test_element_private_room_strict_isolation(homeserver, bot_factory, tmp_path):
    """With OnlySignedDevicesIsolationMode (Element's 'exclude insecure
    devices'), js-sdk shares its keys with the bot's device and shows the
    bot's answers only because the bot signed its device with its own
    cross-signing key."""
    js = person(homeserver, tmp_path)
    bot = bot_factory(homeserver, allowed=(js.user_id,)).start()

    async def go():
        await js.start()
        try:
            await js.login(strict=True)
            # strict isolation refuses to encrypt before the sender's own
            # account is cross-signed, which Element does at first login
            await js.call("bootstrap", secretStorage=False)
            room = await element_room(js, bot)
            bot.wait_log(r"device \S+ cross-signed", timeout=60)
            dev = bot.meta("device_id")
            st = await js.call("device_status", user_id=bot.user_id, device_id=dev)
            assert st["known"] and st["signed_by_owner"], st
            for cmd, want in (("!help", "!cover"), ("!issues", "cybersecurity")):
                a = await ask(js, room, bot, cmd)
                assert a["encrypted"], f"the answer to {cmd} came in the clear: {a}"
                assert want in a["content"]["body"].lower(), a
            evs = (await js.call("timeline", room_id=room))["events"]
            utd = [e for e in evs if e["sender"] == bot.user_id and e["utd"]]
            assert not utd, f"js-sdk could not decrypt the bot: {utd}"
            print("js-sdk crypto:", js.version)
        finally:
            await js.close()
    run(go(), 180)


def test_withheld_key_explained_at_once(homeserver, bot_factory, tmp_path):
    """A sender whose client sends keys to verified devices only
    (globalBlacklistUnverifiedDevices) withholds the key from the bot's
    device, which it has not verified: the bot says so within seconds, once
    per session, and says nothing to a sender outside allowed_users."""
    js = person(homeserver, tmp_path)
    outsider = person(homeserver, tmp_path)
    bot = bot_factory(homeserver, allowed=(js.user_id,)).start()

    async def go():
        await js.start()
        await outsider.start()
        try:
            await js.login(strict=False, blacklist_unverified=True)
            await outsider.login(strict=False, blacklist_unverified=True)
            room = await element_room(js, bot)
            await js.call("invite", room_id=room, user_id=outsider.user_id)
            await outsider.call("join", room_id=room)
            await js.call("wait_member", room_id=room, user_id=outsider.user_id)
            bot.wait_log(r"device \S+ cross-signed", timeout=60)
            dev = bot.meta("device_id")
            other = (await outsider.call("send", room_id=room, body="!issues"))["event_id"]
            t0 = time.monotonic()
            first = (await js.call("send", room_id=room, body="!issues"))["event_id"]
            r = await js.call("wait_reply", room_id=room, sender=bot.user_id,
                              event_id=first, timeout_ms=20000)
            took = time.monotonic() - t0
            body = r["events"][0]["content"]["body"]
            assert "verified devices only" in body and dev in body, body
            assert r["events"][0]["encrypted"], "the explanation came in the clear"
            assert took < 20, took
            # the same session again: no second explanation
            again = (await js.call("send", room_id=room, body="!issues"))["event_id"]
            bot.wait_log(re.escape(again) + r" in \S+ waits for the key", timeout=20)
            await asyncio.sleep(3)
            assert not (await js.call("replies", room_id=room, sender=bot.user_id,
                                      event_id=again))["events"]
            assert not (await js.call("replies", room_id=room, sender=bot.user_id,
                                      event_id=other))["events"], \
                "a sender outside allowed_users was answered"
            withheld = (await js.call("withheld"))["events"]
            print("withheld seen by js-sdk:", withheld)
            assert bot.log().count("why ") >= 1
        finally:
            await js.close()
            await outsider.close()
    run(go(), 180)


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def recovery_key_text(key):
    """The recovery key people are shown for a 32-byte key (spec "Key
    representation"): base58 of 0x8B 0x01, the key and a parity byte."""
    raw = bytes([0x8B, 0x01]) + key
    parity = 0
    for b in raw:
        parity ^= b
    raw += bytes([parity])
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return " ".join(out[i:i + 4] for i in range(0, len(out), 4))


async def element_made_identity(hs, bot, tmp_path, passphrase=None):
    """The bot account logged in once with js-sdk, which set up
    cross-signing and secret storage as Element does at first login (its
    device then logs out); returns the recovery key it showed.  With a
    passphrase, the key is derived from it (an older Element's security
    phrase)."""
    first = JsUser(hs, bot.local, tmp_path, PASSWORD)
    await first.start()
    try:
        await first.login(strict=False)
        args = {"passphrase": passphrase} if passphrase else {}
        r = await first.call("bootstrap", secretStorage=True, timeout=120, **args)
    finally:
        await first.close()
    return r["recovery_key"]


def recovery_file(bot, text):
    p = bot.dir / "recovery.key"
    p.write_text(text + "\n")
    p.chmod(0o600)
    with open(bot.config, "a") as f:
        f.write(f'\n[encryption]\nrecovery_key_file = "{p}"\n')
    return p


def test_identity_made_by_element_opened_with_recovery_key(homeserver, bot_factory,
                                                           tmp_path):
    """The account's cross-signing identity was made by Element: with the
    recovery key, caucus reads the self-signing key from secret storage,
    signs its device, and a strict js-sdk talks to it."""
    js = person(homeserver, tmp_path)
    bot = bot_factory(homeserver, allowed=(js.user_id,))

    async def go():
        key = await element_made_identity(homeserver, bot, tmp_path)
        assert key and len(key.replace(" ", "")) >= 40, key
        recovery_file(bot, key)
        bot.start()
        bot.wait_log(r"device \S+ cross-signed with the account's self-signing key "
                     r"from secret storage", timeout=60)
        log = bot.log()
        assert key not in log and key.replace(" ", "") not in log, "the recovery key was logged"
        await js.start()
        try:
            await js.login(strict=True)
            await js.call("bootstrap", secretStorage=False)
            room = await element_room(js, bot)
            st = await js.call("device_status", user_id=bot.user_id,
                               device_id=bot.meta("device_id"))
            assert st["known"] and st["signed_by_owner"], st
            a = await ask(js, room, bot, "!issues")
            assert a["encrypted"] and "cybersecurity" in a["content"]["body"].lower(), a
        finally:
            await js.close()
    run(go(), 240)


def test_security_phrase_instead_of_recovery_key(homeserver, bot_factory, tmp_path):
    """An account whose secret storage key comes from a security phrase
    (m.pbkdf2): the phrase in the file opens it as well."""
    bot = bot_factory(homeserver)

    async def go():
        phrase = "delegates meet at nine in room four"
        await element_made_identity(homeserver, bot, tmp_path, passphrase=phrase)
        recovery_file(bot, phrase)
        bot.start()
        bot.wait_log(r"device \S+ cross-signed with the account's self-signing key "
                     r"from secret storage", timeout=90)
        assert phrase not in bot.log(), "the security phrase was logged"
    run(go(), 240)


def test_wrong_recovery_key_leaves_device_unsigned(homeserver, bot_factory, tmp_path):
    """A recovery key that is well formed but not the account's: a clear
    error naming the cause, and the device left unsigned."""
    js = person(homeserver, tmp_path)
    bot = bot_factory(homeserver, allowed=(js.user_id,))

    async def go():
        await element_made_identity(homeserver, bot, tmp_path)
        recovery_file(bot, recovery_key_text(bytes(range(32))))
        bot.start()
        bot.wait_log(r"cannot sign this device with the account's cross-signing identity: "
                     r"the recovery key is not the key of the account's secret storage",
                     timeout=60)
        assert "cross-signed" not in bot.log()
        await js.start()
        try:
            await js.login(strict=False)
            await element_room(js, bot)     # js-sdk tracks the devices of room members
            st = await js.call("device_status", user_id=bot.user_id,
                               device_id=bot.meta("device_id"))
            assert st["known"] and not st["signed_by_owner"], st
        finally:
            await js.close()
    run(go(), 240)


def test_wedged_olm_session_heals(homeserver, bot_factory, tmp_path):
    """The bot loses its Olm sessions (as after restoring an old backup):
    the peer's next room key, sent over the old session, cannot be read;
    the bot makes a new Olm session with that device and sends it an
    m.dummy, and the peer's next message is read again."""
    js = person(homeserver, tmp_path)
    bot = bot_factory(homeserver, allowed=(js.user_id,)).start()

    async def go():
        await js.start()
        try:
            await js.login(strict=False)
            room = await element_room(js, bot)
            await ask(js, room, bot, "!issues")
            assert bot.stop() == 0
            db = sqlite3.connect(bot.dir / "caucus.db")
            with db:
                n = db.execute("DELETE FROM olm_sessions").rowcount
            db.close()
            assert n >= 1, "the bot had no Olm session to lose"
            mark = len(bot.log())
            bot.start()
            await js.call("discard_session", room_id=room)
            await js.call("send", room_id=room, body="!issues")
            bot.wait_log(r"the Olm channel with \S+ \S+ is broken", timeout=30, after=mark)
            bot.wait_log(r"new Olm session and m.dummy sent to 1 device", timeout=30,
                         after=mark)
            await asyncio.sleep(2)      # js-sdk receives the m.dummy
            await js.call("discard_session", room_id=room)
            a = await ask(js, room, bot, "!issues", timeout=60)
            assert a["encrypted"] and "cybersecurity" in a["content"]["body"].lower(), a
            # at most once an hour per device
            assert bot.log()[mark:].count("m.dummy sent") == 1
        finally:
            await js.close()
    run(go(), 240)


def test_fallback_key_rotated_on_a_timer(homeserver, bot_factory, tmp_path, monkeypatch):
    """The fallback key is replaced when its period is over, used or not
    (CAUCUS_FALLBACK_ROTATE_MS shortens the week), and the bot still
    talks to a new device afterwards."""
    monkeypatch.setenv("CAUCUS_FALLBACK_ROTATE_MS", "3000")
    js = person(homeserver, tmp_path)
    bot = bot_factory(homeserver, allowed=(js.user_id,)).start()

    async def go():
        bot.wait_log(r"device \S+ cross-signed", timeout=60)
        await js.start()
        try:
            await js.login(strict=False)
            dev = bot.meta("device_id")
            # the first key, then two rotations 3 s apart, without syncs
            # (a sync waits 30 s when nothing happens)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and len(re.findall(
                    r"publishing .*and a fallback key", bot.log())) < 3:
                await asyncio.sleep(0.5)
            n = len(re.findall(r"publishing .*and a fallback key", bot.log()))
            assert n >= 3, bot.log()[-2000:]
            room = await element_room(js, bot)
            a = await ask(js, room, bot, "!issues")
            assert a["encrypted"], a
            assert dev == bot.meta("device_id")
        finally:
            await js.close()
    run(go(), 180)


def test_room_key_requests_refused(homeserver, bot_factory):
    """A room key request from another device of the bot's own account is
    refused with m.room_key.withheld (m.unauthorised) at once; one from
    another user gets nothing."""
    bot = bot_factory(homeserver).start()

    async def go():
        bot.wait_log(r"device \S+ cross-signed", timeout=60)
        dev = bot.meta("device_id")
        st, me = await api(homeserver.base, "", "POST", f"{CS}/login", {
            "type": "m.login.password", "password": PASSWORD,
            "identifier": {"type": "m.id.user", "user": bot.local}})
        assert st == 200, me
        st, alice = await api(homeserver.base, "", "POST", f"{CS}/login", {
            "type": "m.login.password", "password": PASSWORD,
            "identifier": {"type": "m.id.user", "user": "alice"}})
        assert st == 200, alice
        for who, n in ((alice, 1), (me, 2)):
            st, r = await api(homeserver.base, who["access_token"], "PUT",
                              f"{CS}/sendToDevice/m.room_key_request/t{n}",
                              {"messages": {bot.user_id: {dev: {
                                  "action": "request",
                                  "requesting_device_id": who["device_id"],
                                  "request_id": f"req{n}",
                                  "body": {"algorithm": "m.megolm.v1.aes-sha2",
                                           "room_id": "!room:localhost",
                                           "session_id": f"session{n}",
                                           "sender_key": "k" * 43}}}}})
            assert st == 200, r
        bot.wait_log(r"device \S+ of this account asked for the key of session session2 "
                     r"in !room:localhost; refused", timeout=30)
        got, since = [], None
        deadline = time.monotonic() + 30
        while not got and time.monotonic() < deadline:
            q = "?timeout=1000" + (f"&since={since}" if since else "")
            st, r = await api(homeserver.base, me["access_token"], "GET", f"{CS}/sync{q}")
            assert st == 200, r
            since = r["next_batch"]
            got = [e for e in r.get("to_device", {}).get("events", [])
                   if e["type"] == "m.room_key.withheld"]
        assert got, "no m.room_key.withheld came to the requesting device"
        c = got[0]["content"]
        assert c["code"] == "m.unauthorised" and c["session_id"] == "session2", c
        assert got[0]["sender"] == bot.user_id
        assert "session1" not in bot.log()
        for who in (me, alice):
            await api(homeserver.base, who["access_token"], "POST", f"{CS}/logout", {})
    run(go(), 120)
