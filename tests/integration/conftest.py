"""Integration tests: the real daemon (./caucus run) against a real Synapse
started by tests/homeserver/, driven by an independent client (matrix-nio).

Run with Debian's interpreter, which has python3-matrix-nio and pytest:
    /usr/bin/python3 -m pytest tests/integration
or `make integration`.  Environment:
    CAUCUS_BIN        the binary to test (default: ./caucus of this checkout)
    CAUCUS_IT_KEEP=1  keep the temporary directories (logs) after the run
Every test has its own bot account, database and rooms; tests that stop the
homeserver or change its rate limits get a homeserver of their own.
"""
import asyncio
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path

import aiohttp
import pytest
from nio import AsyncClient, AsyncClientConfig, MessageDirection

pytest_plugins = ["jsclient"]   # the js-sdk tests' summary lines

REPO = Path(__file__).resolve().parents[2]
HS_DIR = REPO / "tests" / "homeserver"
CAUCUS = os.environ.get("CAUCUS_BIN", str(REPO / "caucus"))
PASSWORD = "correct-horse-battery"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Homeserver:
    """A throwaway Synapse on loopback (tests/homeserver/start.sh)."""

    def __init__(self, data, rc_message=None):
        self.data = Path(data)
        self.port = free_port()
        self.rc_message = rc_message
        self.base = None

    def start(self):
        env = dict(os.environ)
        if self.rc_message:
            env["HS_RC_MESSAGE"] = self.rc_message
        out = subprocess.run([str(HS_DIR / "start.sh"), str(self.data), str(self.port)],
                             env=env, check=True, capture_output=True, text=True,
                             timeout=120)
        self.base = out.stdout.strip().splitlines()[-1]
        return self.base

    def stop(self):
        subprocess.run([str(HS_DIR / "stop.sh"), str(self.data)], check=True,
                       capture_output=True, timeout=60)

    def register(self, user, password=PASSWORD, admin=False):
        args = [str(HS_DIR / "register.sh"), self.base, user, password]
        if admin:
            args.append("admin")
        out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=60)
        return out.stdout.strip()


def _start_hs(tmp_path_factory, name, rc_message=None):
    hs = Homeserver(tmp_path_factory.mktemp(name), rc_message)
    hs.start()
    for user, admin in (("alice", True), ("bob", False), ("mallory", False)):
        hs.register(user, admin=admin)
    return hs


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory):
    hs = _start_hs(tmp_path_factory, "hs")
    yield hs
    hs.stop()


@pytest.fixture
def own_homeserver(tmp_path_factory):
    """A homeserver for one test (one that stops it, say)."""
    hs = _start_hs(tmp_path_factory, "hs-own")
    yield hs
    hs.stop()


@pytest.fixture
def make_homeserver(tmp_path_factory):
    """A factory for homeservers with their own settings (rate limits)."""
    started = []

    def make(**kw):
        hs = _start_hs(tmp_path_factory, "hs-own", **kw)
        started.append(hs)
        return hs
    yield make
    for hs in started:
        hs.stop()


ISSUES = """
[[issue]]
slug = "cybersecurity"
name = "Cybersecurity"
aliases = ["cyber", "res130"]

[[issue]]
slug = "privacy"
name = "Privacy and data protection"
"""


class Bot:
    """The daemon under test: its config, database and log in 'dir'."""

    def __init__(self, hs, dir, extra="", allowed=('@alice:localhost', '@bob:localhost')):
        self.hs = hs
        self.dir = Path(dir)
        self.local = "caucus" + uuid.uuid4().hex[:8]
        self.user_id = hs.register(self.local)
        self.config = self.dir / "bot.toml"
        self.logfile = self.dir / "caucus.log"
        self.proc = None
        allowed = ", ".join(f'"{u}"' for u in allowed)
        self.config.write_text(f"""
[matrix]
homeserver = "{hs.base}"
user_id = "{self.user_id}"
password = "{PASSWORD}"

[bot]
database = "{self.dir / 'caucus.db'}"
timezone = "Asia/Dubai"
admins = ["@alice:localhost"]

[access]
allowed_users = [{allowed}]
{extra}
{ISSUES}
""")

    def start(self):
        log = open(self.logfile, "a")
        log.write(f"==== start {time.strftime('%H:%M:%S')}\n")
        log.flush()
        self.proc = subprocess.Popen([CAUCUS, "run", "-c", str(self.config)],
                                     stdout=log, stderr=log, cwd=self.dir)
        log.close()
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self.proc = None
        return rc

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=20)
        self.proc = None

    def log(self):
        return self.logfile.read_text(errors="replace")

    def meta(self, key):
        """A value from the daemon's meta table (access_token, device_id),
        read without disturbing it (None when absent)."""
        db = sqlite3.connect(f"file:{self.dir / 'caucus.db'}?mode=ro", uri=True, timeout=10)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        finally:
            db.close()
        return row[0] if row else None

    def export(self, issue):
        """The issue's log as 'caucus export --format json' gives it."""
        out = subprocess.run([CAUCUS, "export", "-c", str(self.config), issue,
                              "--format", "json"], cwd=self.dir, check=True,
                             capture_output=True, text=True, timeout=60)
        return json.loads(out.stdout)

    def wait_log(self, pattern, timeout=30, after=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.log()[after:])
            if m:
                return m
            time.sleep(0.2)
        raise AssertionError(f"no /{pattern}/ in the bot's log within {timeout} s:\n"
                             + self.log()[-3000:])


@pytest.fixture
def bot_factory(tmp_path):
    bots = []

    def make(hs, **kw):
        d = tmp_path / f"bot{len(bots)}"
        d.mkdir()
        b = Bot(hs, d, **kw)
        bots.append(b)
        return b
    yield make
    for b in bots:
        if b.proc is not None:
            alive = b.proc.poll() is None
            rc = b.stop()
            assert alive, f"the daemon died (status {rc}):\n{b.log()[-3000:]}"
            assert rc == 0, f"SIGTERM: exit status {rc}:\n{b.log()[-3000:]}"
        assert "access_token" not in b.log() and PASSWORD not in b.log()


@pytest.fixture
def e2ee_user(homeserver, tmp_path):
    """A factory of E2EEUser devices, each with its own store under
    tmp_path: e2ee_user("alice") (call .login() on it)."""
    made = []

    def make(local, hs=homeserver, **kw):
        u = E2EEUser(hs, local, tmp_path / f"nio-{local}-{len(made)}", **kw)
        made.append(u)
        return u
    return make


class User:
    """A person in the rooms, through matrix-nio."""

    SYNC_FILTER = {"room": {"timeline": {"limit": 1000}, "state": {"lazy_load_members": True}},
                   "presence": {"types": []}}

    def __init__(self, hs, local, password=PASSWORD):
        self.client = AsyncClient(hs.base, f"@{local}:localhost")
        self.user_id = f"@{local}:localhost"
        self.password = password
        self.since = None
        self.events = {}        # room ID -> timeline event sources, in order

    async def login(self):
        r = await self.client.login(self.password)
        assert getattr(r, "access_token", None), r
        await self.sync(0)
        return self

    async def close(self):
        await self.client.close()

    async def sync(self, timeout_ms=1000):
        r = await self.client.sync(timeout=timeout_ms, since=self.since,
                                   sync_filter=self.SYNC_FILTER)
        assert hasattr(r, "next_batch"), r
        self.since = r.next_batch
        for room_id, room in r.rooms.join.items():
            if room.timeline.limited:
                # the server left events out (it caps a sync at 100 per room)
                self.events[room_id] = await self.history(room_id)
            else:
                self.events.setdefault(room_id, []).extend(
                    self._record(ev) for ev in room.timeline.events)
        return r

    def _record(self, ev):
        """What the timeline lists keep of a nio event."""
        return ev.source

    async def create_room(self, invite=(), name=None):
        r = await self.client.room_create(name=name, invite=list(invite))
        assert getattr(r, "room_id", None), r
        await self.sync(0)
        return r.room_id

    async def invite(self, room_id, user_id):
        r = await self.client.room_invite(room_id, user_id)
        assert not hasattr(r, "status_code"), r

    async def join(self, room_id):
        r = await self.client.join(room_id)
        assert getattr(r, "room_id", None), r
        await self.sync(0)

    async def send(self, room_id, body, **content):
        c = {"msgtype": "m.text", "body": body}
        c.update(content)
        r = await self.client.room_send(room_id, "m.room.message", c)
        assert getattr(r, "event_id", None), r
        return r.event_id

    async def redact(self, room_id, event_id):
        r = await self.client.room_redact(room_id, event_id)
        assert getattr(r, "event_id", None), r

    async def wait_member(self, room_id, user_id, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = await self.client.joined_members(room_id)
            if any(m.user_id == user_id for m in getattr(r, "members", [])):
                return
            await asyncio.sleep(0.3)
        raise AssertionError(f"{user_id} did not join {room_id} within {timeout} s")

    def from_user(self, room_id, sender):
        return [e for e in self.events.get(room_id, [])
                if e.get("sender") == sender and e.get("type") == "m.room.message"]

    def replies_to(self, room_id, sender, event_id):
        return [e for e in self.from_user(room_id, sender)
                if e["content"].get("m.relates_to", {}).get("m.in_reply_to", {})
                .get("event_id") == event_id]

    async def wait_for(self, pred, timeout=30, what="the expected messages"):
        """Sync until pred() is true; returns its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = pred()
            if v:
                return v
            await self.sync(1000)
        v = pred()
        if v:
            return v
        raise AssertionError(f"{what}: not seen within {timeout} s")

    async def wait_reply(self, room_id, bot, event_id, timeout=30):
        r = await self.wait_for(lambda: self.replies_to(room_id, bot.user_id, event_id),
                                timeout, f"an answer to {event_id}")
        return r[0]

    async def history(self, room_id):
        """The room's whole timeline, oldest first, from the server."""
        out, token = [], self.since
        for _ in range(1000):
            r = await self.client.room_messages(room_id, start=token,
                                                direction=MessageDirection.back, limit=500)
            assert hasattr(r, "chunk"), r
            out.extend(self._record(ev) for ev in r.chunk)
            if not r.chunk or not r.end or r.end == token:
                break
            token = r.end
        return list(reversed(out))


_nio_warnings_shown = False


def show_nio_warnings():
    """nio logs through logbook with its logger group at CRITICAL, so its
    reasons (no session for a Megolm event, a device's keys refused, a
    reused message index) are silent; send its warnings to standard error,
    which pytest prints for a test that fails."""
    global _nio_warnings_shown
    if _nio_warnings_shown:
        return
    import logbook
    from nio.log import logger_group
    logger_group.level = logbook.WARNING
    logbook.StderrHandler(
        level=logbook.WARNING,
        format_string="nio {record.level_name} {record.channel}: {record.message}",
        # nio 0.20.1 wants a "creator" in m.room.create, which room version 11 dropped
        filter=lambda r, h: "'creator' is a required property" not in r.message,
    ).push_application()
    _nio_warnings_shown = True


class E2EEUser(User):
    """A person with an encrypting nio device: its own crypto store in
    store_dir (one per login, so a second E2EEUser of the same account is a
    second device).

    nio's plain sync() only syncs: uploading our keys, querying others'
    device lists, claiming one-time keys and sending queued to-device
    messages are done here after each sync, as sync_forever() would.

    Timeline lists hold what a person would see: an event nio decrypted is
    kept as its decrypted form (type and content of the plaintext, with
    event_id, sender and origin_server_ts of the encrypted event, and the
    outer m.relates_to when the plaintext has none) plus "_e2ee":
    {"session_id", "sender_key", "verified"} of the Megolm message it came
    in.  An event nio could not decrypt stays as it came (type
    m.room.encrypted) and is also listed in self.undecryptable[room_id]:
    a MegolmEvent nio had no key for (or refused: a reused message index),
    or a BadEvent (nio requires sender_key and device_id in the content).
    Events without "_e2ee" were sent in the clear."""

    def __init__(self, hs, local, store_dir, password=PASSWORD, device_name="nio-e2ee"):
        self.user_id = f"@{local}:localhost"
        self.hs = hs
        self.store_dir = Path(store_dir)
        self.store_dir.mkdir(parents=True, exist_ok=True)
        show_nio_warnings()
        self.client = AsyncClient(
            hs.base, self.user_id, store_path=str(self.store_dir),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False))
        self.password = password
        self.device_name = device_name
        self.since = None
        self.events = {}
        self.undecryptable = {}     # room ID -> sources of events nio could not decrypt
        self.prepared = set()       # rooms whose members nio has loaded

    async def login(self):
        """A new device, which sees what is sent from now on: its first
        sync has rooms and their state but no timeline (a fresh device
        could not decrypt the past, and fetching it is slow)."""
        r = await self.client.login(self.password, device_name=self.device_name)
        assert getattr(r, "access_token", None), r
        assert self.client.olm is not None, "nio has no crypto store (python3-olm?)"
        flt = dict(self.SYNC_FILTER, room=dict(self.SYNC_FILTER["room"], timeline={"limit": 0}))
        r = await self.client.sync(timeout=0, sync_filter=flt)
        assert hasattr(r, "next_batch"), r
        self.since = r.next_batch
        await self.keys()
        return self

    @property
    def device_id(self):
        return self.client.device_id

    @property
    def token(self):
        return self.client.access_token

    async def close(self, logout=True):
        """Log out (the server forgets the device and its keys, so the
        shared test accounts do not pile up devices) and close."""
        if logout and self.client.access_token:
            await self.client.logout()
        await self.client.close()

    async def keys(self):
        """What sync_forever() does after each sync."""
        c = self.client
        if c.should_upload_keys:
            r = await c.keys_upload()
            assert not hasattr(r, "status_code"), r
        if c.should_query_keys:
            await c.keys_query()
        if c.should_claim_keys:
            await c.keys_claim(c.get_users_for_key_claiming())
        await c.send_to_device_messages()

    async def sync(self, timeout_ms=1000):
        r = await self.client.sync(timeout=timeout_ms, since=self.since,
                                   sync_filter=self.SYNC_FILTER)
        assert hasattr(r, "next_batch"), r
        self.since = r.next_batch
        for room_id, room in r.rooms.join.items():
            if room.timeline.limited:
                self.events[room_id] = await self.history(room_id)
                self.undecryptable[room_id] = [e for e in self.events[room_id]
                                               if e.get("type") == "m.room.encrypted"]
            else:
                for ev in room.timeline.events:
                    src = self._record(ev)
                    self.events.setdefault(room_id, []).append(src)
                    if src.get("type") == "m.room.encrypted":
                        self.undecryptable.setdefault(room_id, []).append(src)
        await self.keys()
        return r

    def _record(self, ev):
        if getattr(ev, "decrypted", False):
            src = dict(ev.source)
            src["_e2ee"] = {"session_id": ev.session_id, "sender_key": ev.sender_key,
                            "verified": ev.verified}
            return src
        return ev.source

    async def create_room(self, invite=(), name=None, encrypted=True):
        """A room with m.room.encryption in its initial state, default
        settings (algorithm only), as Element makes them."""
        state = []
        if encrypted:
            state.append({"type": "m.room.encryption", "state_key": "",
                          "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
        r = await self.client.room_create(name=name, invite=list(invite),
                                          initial_state=state)
        assert getattr(r, "room_id", None), r
        await self.sync(0)
        if encrypted:
            assert self.client.rooms[r.room_id].encrypted, "nio missed m.room.encryption"
        return r.room_id

    def devices_of(self, user_id):
        return list(self.client.device_store.active_user_devices(user_id))

    async def prepare(self, room_id, users=(), timeout=30):
        """Before sending to an encrypted room: load its members into nio
        (lazy loading leaves them out), and query device keys until every
        user in 'users' has at least one device nio accepts."""
        c = self.client
        deadline = time.monotonic() + timeout
        while True:
            r = await c.joined_members(room_id)
            assert hasattr(r, "members"), r
            room = c.rooms[room_id]
            missing = [u for u in users if u not in room.users]
            if not missing:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{missing} not in nio's view of {room_id}")
            await self.sync(500)
        for u in users:
            while not self.devices_of(u):
                if time.monotonic() > deadline:
                    raise AssertionError(f"no device keys of {u} that nio accepts "
                                         f"within {timeout} s")
                c.olm.users_for_key_query.add(u)
                await self.keys()
                if not self.devices_of(u):
                    await asyncio.sleep(0.5)
        if c.should_query_keys:
            await c.keys_query()
        self.prepared.add(room_id)

    async def send(self, room_id, body, **content):
        if room_id not in self.prepared:
            await self.prepare(room_id)
        c = {"msgtype": "m.text", "body": body}
        c.update(content)
        r = await self.client.room_send(room_id, "m.room.message", c,
                                        ignore_unverified_devices=True)
        assert getattr(r, "event_id", None), r
        return r.event_id

    def decrypted_from(self, room_id, sender):
        """Messages of 'sender' in the room that came encrypted."""
        return [e for e in self.from_user(room_id, sender) if "_e2ee" in e]

    def undecryptable_from(self, room_id, sender):
        return [e for e in self.undecryptable.get(room_id, []) if e.get("sender") == sender]


async def api(base, token, method, path, body=None):
    """A raw client-server API call: (HTTP status, JSON body)."""
    async with aiohttp.ClientSession() as s:
        async with s.request(method, base + path, json=body,
                             headers={"Authorization": f"Bearer {token}"}) as r:
            text = await r.text()
            try:
                return r.status, json.loads(text)
            except ValueError:
                return r.status, text


def run(coro, timeout):
    """Run one test's coroutine with a hard time limit."""
    async def limited():
        return await asyncio.wait_for(coro, timeout)
    return asyncio.run(limited())


async def room_with_bot(user, bot, name=None):
    """A room made by 'user' with the bot invited and joined."""
    room = await user.create_room(invite=[bot.user_id], name=name)
    await user.wait_member(room, bot.user_id)
    return room


async def encrypted_room_with_bot(user, bot, name=None, timeout=30):
    """An encrypted room made by the E2EEUser 'user' with the bot joined,
    and the bot's device known to user's nio, so that what user sends next
    is shared with the bot."""
    room = await room_with_bot(user, bot, name)
    await user.prepare(room, [bot.user_id], timeout)
    return room
