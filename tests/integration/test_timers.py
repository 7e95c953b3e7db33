"""What the bot sends on its own: session reminders and the daily digest."""
import datetime
import re
import time
import zoneinfo

from conftest import User, room_with_bot, run


async def issue_room(alice, bot, issue="cybersecurity"):
    room = await room_with_bot(alice, bot)
    eid = await alice.send(room, f"!issue link {issue}")
    ans = await alice.wait_reply(room, bot, eid)
    assert "room is now" in ans["content"]["body"], ans["content"]["body"]
    return room


def test_session_reminder_mentions_attendees(homeserver, bot_factory):
    bot = bot_factory(homeserver, extra='[reminders]\nbefore = ["2m"]\n').start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await issue_room(alice, bot)
        eid = await alice.send(room, "!session cyber in 3m Drafting group @ Room 4")
        ans = await alice.wait_reply(room, bot, eid)
        n = re.search(r"#(\d+)", ans["content"]["body"]).group(1)
        eid = await alice.send(room, f"!attend {n}")
        await alice.wait_reply(room, bot, eid)

        def reminder():
            return [e for e in alice.from_user(room, bot.user_id)
                    if "Drafting group" in e["content"]["body"]
                    and e["content"].get("m.mentions", {}).get("user_ids")]
        rem = (await alice.wait_for(reminder, 150, "the session reminder"))[0]
        assert rem["content"]["m.mentions"]["user_ids"] == ["@alice:localhost"]
        assert rem["content"]["msgtype"] == "m.notice"
        await alice.close()
    run(go(), 200)


def test_digest_at_digest_time(homeserver, bot_factory):
    tz = zoneinfo.ZoneInfo("Asia/Dubai")
    now = datetime.datetime.now(tz)
    # the next minute at least 40 s away: time to set the room up first
    at = (now + datetime.timedelta(seconds=100)).replace(second=0, microsecond=0)
    bot = bot_factory(homeserver, extra=f'[digest]\ntime = "{at:%H:%M}"\n').start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await issue_room(alice, bot)
        eid = await alice.send(room, "!decision we support the amendment to Res 130")
        await alice.wait_reply(room, bot, eid)

        def digest():
            return [e for e in alice.from_user(room, bot.user_id)
                    if "digest" in e["content"]["body"].lower()
                    and "Res 130" in e["content"]["body"]]
        d = (await alice.wait_for(digest, 180, "the digest"))[0]
        sent = datetime.datetime.fromtimestamp(d["origin_server_ts"] / 1000, tz)
        assert at <= sent < at + datetime.timedelta(seconds=70), (at, sent)
        await alice.close()
    run(go(), 240)
