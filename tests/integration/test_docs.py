"""Files shared in an issue room (SPEC §3 "Documents"): a file uploaded by
an independent client (matrix-nio) is listed by !docs and found by !search,
becomes a document's revision when its name holds a known symbol, and is
gone from both after a redaction; in an encrypted room the attachment's
key material is never stored."""
import io
import sqlite3

from conftest import User, encrypted_room_with_bot, room_with_bot, run
from test_e2ee import answer, ask as e2ee_ask

PDF = b"%PDF-1.4\n% DT/64 Rev.2, the chair's text\n%%EOF\n"


async def upload(client, name, data=PDF, encrypt=False):
    """Upload to the media repository; (mxc URI, decryption keys or None)."""
    r, keys = await client.upload(lambda *_: io.BytesIO(data), content_type="application/pdf",
                                  filename=name, filesize=len(data), encrypt=encrypt)
    assert getattr(r, "content_uri", None), r
    return r.content_uri, keys


def test_file_listed_searched_redacted(homeserver, bot_factory):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)

        async def ask(cmd):
            eid = await alice.send(room, cmd)
            return (await alice.wait_reply(room, bot, eid))["content"]["body"]
        assert "room is now" in await ask("!issue link cybersecurity")
        assert "DT/64 recorded" in await ask("!doc DT/64 Draft resolution on Res 130")

        url, _ = await upload(alice.client, "DT-64-Rev2.pdf")
        shared = await alice.send(room, "DT-64-Rev2.pdf", msgtype="m.file", url=url,
                                  info={"size": len(PDF), "mimetype": "application/pdf"})
        # a higher revision in a file: announced in the room
        await alice.wait_for(lambda: [e for e in alice.from_user(room, bot.user_id)
                                      if "is now at Rev.2" in e["content"]["body"]],
                             30, "the announcement of Rev.2")
        docs = await ask("!docs")
        assert "DT/64(Rev.2) Draft resolution on Res 130" in docs, docs
        assert "file DT-64-Rev2.pdf" in docs, docs

        url2, _ = await upload(alice.client, "briefing.pdf")
        other = await alice.send(room, "notes on the OTT debate", msgtype="m.file", url=url2,
                                 filename="briefing.pdf")
        found = await ask("!search OTT")
        assert "briefing.pdf — notes on the OTT debate" in found, found
        assert "briefing.pdf" in await ask("!docs")

        await alice.redact(room, other)
        await alice.redact(room, shared)
        assert "Nothing" in await ask("!search OTT")
        docs = await ask("!docs")
        assert "briefing" not in docs and "Rev.2" not in docs, docs
        assert "DT/64 Draft resolution" in docs, docs
        await alice.close()
    run(go(), 120)


def test_encrypted_file_keeps_no_key(homeserver, bot_factory, e2ee_user):
    bot = bot_factory(homeserver).start()

    async def go():
        alice = await e2ee_user("alice").login()
        room = await encrypted_room_with_bot(alice, bot)
        assert "room is now" in (await e2ee_ask(alice, room, bot,
                                                "!issue link privacy"))["content"]["body"]
        url, keys = await upload(alice.client, "strategy.pdf", encrypt=True)
        file_obj = {"url": url, "key": keys["key"], "iv": keys["iv"],
                    "hashes": keys["hashes"], "v": keys["v"]}
        await alice.send(room, "our fallback lines", msgtype="m.file",
                         filename="strategy.pdf", file=file_obj)
        a = await e2ee_ask(alice, room, bot, "!docs")
        assert "strategy.pdf" in a["content"]["body"], a
        a = await e2ee_ask(alice, room, bot, "!search fallback")
        assert "strategy.pdf — our fallback lines" in a["content"]["body"], a
        db = sqlite3.connect(bot.dir / "caucus.db")
        dump = "\n".join(db.iterdump())
        db.close()
        assert url in dump
        for secret in (keys["key"]["k"], keys["iv"], keys["hashes"]["sha256"]):
            assert secret not in dump, "the attachment's key material was stored"
        await alice.close()
    run(go(), 180)
