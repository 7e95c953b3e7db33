"""A homeserver with a low rc_message: 100 queued answers all arrive, in
order, none twice (429 M_LIMIT_EXCEEDED and retry_after_ms honoured)."""
import json
import urllib.request

from conftest import User, room_with_bot, run

N = 100


def unlimit(hs, user):
    """Lift the rate limit for the test's own client (Synapse admin API)."""
    req = urllib.request.Request(
        f"{hs.base}/_synapse/admin/v1/users/{user.user_id}/override_ratelimit",
        data=json.dumps({"messages_per_second": 0, "burst_count": 0}).encode(),
        headers={"Authorization": f"Bearer {user.client.access_token}",
                 "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200


def test_rate_limited_answers_in_order(make_homeserver, bot_factory):
    hs = make_homeserver(rc_message="2:5")
    bot = bot_factory(hs).start()

    async def go():
        alice = await User(hs, "alice").login()
        unlimit(hs, alice)
        room = await room_with_bot(alice, bot)
        sent = [await alice.send(room, f"!who-covers cyber {k}") for k in range(N)]

        def done():
            return all(alice.replies_to(room, bot.user_id, e) for e in sent)
        await alice.wait_for(done, 200, "all answers")
        history = await alice.history(room)
        order = [ev["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
                 for ev in history
                 if ev.get("sender") == bot.user_id and ev.get("type") == "m.room.message"]
        assert order == sent
        await alice.close()
    run(go(), 260)
    assert "rate-limited" in bot.log()
