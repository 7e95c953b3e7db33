"""caucus setup: the rooms of the configuration and the coalition's Space
are created on the real server, once; the daemon then works in them, and
!join brings an invite to an issue room."""
import asyncio
import subprocess
import urllib.parse
import uuid

from conftest import CAUCUS, ISSUES, User, api, room_with_bot, run
from test_e2ee import ask

# the eleven issues of the PP-18 coordination group (SPEC, bot.example.toml)
ELEVEN = [
    ("internet", "Internet-related public policy", ["ipp"]),
    ("cybersecurity", "Cybersecurity", ["cyber", "res130"]),
    ("counterfeit", "Counterfeit devices", []),
    ("ott", "Over-the-top services", []),
    ("privacy", "Privacy and data protection", []),
    ("iot", "IoT and smart cities", []),
    ("ai", "Artificial intelligence", []),
    ("doa", "Digital object architecture", []),
    ("connectivity", "Connectivity and the digital divide", []),
    ("gender", "Gender", []),
    ("openness", "Openness and transparency of the ITU", []),
]


def setup_config(bot, tag, encryption=True, issues=ELEVEN):
    """Rewrite the bot's configuration: a coordination room and eleven
    issues, each with a room alias of its own (tag keeps them apart from
    other tests on the shared server)."""
    text = ""
    for slug, name, aliases in issues:
        al = ", ".join(f'"{a}"' for a in aliases)
        text += (f'\n[[issue]]\nslug = "{slug}"\nname = "{name}"\naliases = [{al}]\n'
                   f'room = "#{slug}-{tag}:localhost"\n')
    text = bot.config.read_text().replace(ISSUES, text)
    text = text.replace("[bot]\n", f'[bot]\ncoordination_room = "#coord-{tag}:localhost"\n', 1)
    if not encryption:
        text += "\n[encryption]\nenabled = false\n"
    bot.config.write_text(text)


def run_setup(bot):
    p = subprocess.run([CAUCUS, "setup", "-c", str(bot.config)], cwd=bot.dir,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


async def resolve(base, token, alias):
    st, body = await api(base, token, "GET", "/_matrix/client/v3/directory/room/"
                         + urllib.parse.quote(alias))
    assert st == 200, (alias, st, body)
    return body["room_id"]


async def state(base, token, room, typ, key=""):
    st, body = await api(base, token, "GET", f"/_matrix/client/v3/rooms/"
                         f"{urllib.parse.quote(room)}/state/{typ}/{urllib.parse.quote(key)}")
    return body if st == 200 else None


def test_setup_creates_rooms_and_space_once(homeserver, bot_factory, e2ee_user):
    tag = uuid.uuid4().hex[:6]
    bot = bot_factory(homeserver)
    setup_config(bot, tag)

    first = run_setup(bot)
    assert first.count("created: room") == 12, first
    assert first.count("created: space") == 1, first
    assert "created 12 rooms, 1 space and 12 space links" in first, first
    second = run_setup(bot)
    assert "created:" not in second and "added" not in second, second
    assert "nothing to create" in second, second
    assert second.count("exists: room") == 12, second

    async def go():
        alice = await User(homeserver, "alice").login()
        base, token = homeserver.base, alice.client.access_token
        bot_token = bot.meta("access_token")   # the room's state, read as a member
        space = await resolve(base, token, f"#coord-{tag}-space:localhost")
        rooms = {await resolve(base, token, f"#{slug}-{tag}:localhost"): name
                 for slug, name, _ in ELEVEN}
        coord = await resolve(base, token, f"#coord-{tag}:localhost")
        assert len(rooms) == 11 and coord not in rooms

        # alice (bot.admins) was invited everywhere; the rooms are private
        # and encrypted, the state Element gives a private room
        await alice.sync(0)
        invited = set(alice.client.invited_rooms)
        assert set(rooms) | {coord, space} <= invited
        for room, name in list(rooms.items()) + [(coord, f"coord-{tag}")]:
            assert (await state(base, bot_token, room, "m.room.join_rules"))[
                "join_rule"] == "invite"
            assert (await state(base, bot_token, room, "m.room.history_visibility"))[
                "history_visibility"] == "shared"
            assert (await state(base, bot_token, room, "m.room.encryption"))[
                "algorithm"] == "m.megolm.v1.aes-sha2"
            assert (await state(base, bot_token, room, "m.room.name"))["name"] == name
            pl = await state(base, bot_token, room, "m.room.power_levels")
            assert pl["users"].get("@alice:localhost") == 100, pl
            parent = await state(base, bot_token, room, "m.space.parent", space)
            assert parent and parent["via"] == ["localhost"] and parent["canonical"]

        # the Space, as the server lists it to a member
        await alice.join(space)
        st, h = await api(base, token, "GET", f"/_matrix/client/v1/rooms/"
                          f"{urllib.parse.quote(space)}/hierarchy?max_depth=1")
        assert st == 200, h
        top = [r for r in h["rooms"] if r["room_id"] == space][0]
        assert top["room_type"] == "m.space" and top["name"] == f"coord-{tag}"
        children = {c["state_key"] for c in top["children_state"]}
        assert children == set(rooms) | {coord}, children
        await alice.close()
        return space, {slug: await resolve(base, token, f"#{slug}-{tag}:localhost")
                       for slug, _, _ in ELEVEN}
    space, by_slug = run(go(), 120)

    bot.start()

    async def daemon():
        # the daemon answers in a room setup made (encrypted)
        alice = await e2ee_user("alice").login()
        cyber = by_slug["cybersecurity"]
        await alice.join(cyber)
        await alice.prepare(cyber, [bot.user_id], 60)
        a = await ask(alice, cyber, bot, "!who-covers")
        assert "Nobody covers Cybersecurity" in a["content"]["body"], a

        # bob is in none of them: !join, from a room of his own with the bot
        bob = await User(homeserver, "bob").login()
        assert cyber not in bob.client.rooms and cyber not in bob.client.invited_rooms
        mine = await room_with_bot(bob, bot)
        eid = await bob.send(mine, "!join cyber")
        r = await bob.wait_reply(mine, bot, eid)
        assert "Inviting you to Cybersecurity's room" in r["content"]["body"], r
        await bob.wait_for(lambda: cyber in bob.client.invited_rooms, 30,
                           "the invite to the cybersecurity room")
        await bob.join(cyber)
        await alice.wait_member(cyber, bob.user_id)
        # a refusal by the server comes back as a notice, not as silence
        r = await alice.client.room_ban(cyber, bob.user_id, "testing")
        assert not hasattr(r, "status_code"), r
        bot.wait_log(r"rooms: invited " + bob.user_id)
        eid = await bob.send(mine, "!join cyber")
        await bob.wait_for(lambda: [e for e in bob.replies_to(mine, bot.user_id, eid)
                                    if "could not invite you" in e["content"]["body"]],
                           30, "the notice that the invite was refused")
        eid = await bob.send(mine, "!join nosuch")
        r = await bob.wait_reply(mine, bot, eid)
        assert "no such issue" in r["content"]["body"], r

        # !issue room: a room made later by the daemon, linked and in the Space
        slug = f"youth-{tag}"
        a = await ask(alice, cyber, bot, f"!issue add {slug} Youth participation")
        assert "!issue room" in a["content"]["body"], a
        a = await ask(alice, cyber, bot, f"!issue room {slug}")
        assert f"#{slug}:localhost" in a["content"]["body"], a
        await alice.wait_for(lambda: [e for e in alice.replies_to(cyber, bot.user_id,
                                                                  a["content"]["m.relates_to"]
                                                                  ["m.in_reply_to"]["event_id"])
                                      if "is ready" in e["content"]["body"]],
                             60, "the notice that the room is ready")
        youth = await resolve(homeserver.base, alice.token, f"#{slug}:localhost")
        await alice.wait_for(lambda: youth in alice.client.invited_rooms, 30,
                             "the invite to the new room")
        bot_token = bot.meta("access_token")
        assert (await state(homeserver.base, bot_token, youth, "m.room.encryption"))[
            "algorithm"] == "m.megolm.v1.aes-sha2"

        async def in_space():
            st, h = await api(homeserver.base, alice.token, "GET", f"/_matrix/client/v1/"
                              f"rooms/{urllib.parse.quote(space)}/hierarchy?max_depth=1")
            top = [x for x in h["rooms"] if x["room_id"] == space][0]
            return youth in {c["state_key"] for c in top["children_state"]}
        for _ in range(60):
            if await in_space():
                break
            await asyncio.sleep(0.5)
        assert await in_space(), "the new room is not in the Space"
        a = await ask(alice, cyber, bot, "!issues")
        assert youth in a["content"]["body"], a
        await bob.close()
        await alice.close()
    run(daemon(), 240)


def test_setup_keeps_what_exists(homeserver, bot_factory):
    """With encryption off the rooms are made in the clear; a room that
    exists already is left as it is, but joins the Space all the same."""
    tag = uuid.uuid4().hex[:6]
    bot = bot_factory(homeserver)
    setup_config(bot, tag, encryption=False, issues=ELEVEN[:2])

    async def before():
        alice = await User(homeserver, "alice").login()
        r = await alice.client.room_create(alias=f"internet-{tag}", name="Ours already")
        assert getattr(r, "room_id", None), r
        await alice.close()
        return r.room_id
    theirs = run(before(), 60)

    out = run_setup(bot)
    assert f"exists: room #internet-{tag}:localhost ({theirs})" in out, out
    assert out.count("created: room") == 2, out          # coordination, cybersecurity
    assert "encrypted" not in out, out
    assert f"added {theirs} to the space (its own m.space.parent was refused" in out, out
    assert "created 2 rooms, 1 space and 3 space links" in out, out
    assert "nothing to create" in run_setup(bot)

    async def check():
        alice = await User(homeserver, "alice").login()
        base, token = homeserver.base, bot.meta("access_token")
        cyber = await resolve(base, token, f"#cybersecurity-{tag}:localhost")
        assert await state(base, token, cyber, "m.room.encryption") is None
        assert (await state(base, token, cyber, "m.room.join_rules"))["join_rule"] == "invite"
        assert (await state(base, alice.client.access_token, theirs, "m.room.name"))[
            "name"] == "Ours already"
        space = await resolve(base, token, f"#coord-{tag}-space:localhost")
        child = await state(base, token, space, "m.space.child", theirs)
        assert child and child["via"] == ["localhost"], child
        await alice.close()
    run(check(), 60)
    bot.start()     # and the daemon starts on what setup left
    bot.wait_log(r"sync: starting")
