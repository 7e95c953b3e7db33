"""The daemon seen from outside: the systemd notify protocol and journald
priorities, `caucus status` next to a live daemon, and the HTTP listener
(/healthz, /metrics read by an independent parser, promtool and a real
Prometheus server; slow and idle clients that must not slow the bot)."""
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import CAUCUS, User, free_port, room_with_bot, run


def start(bot, env=None):
    """bot.start() with extra environment variables; JOURNAL_STREAM=True
    stands for the log file's DEV:INODE, as systemd sets it."""
    log = open(bot.logfile, "a")
    full = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "JOURNAL_STREAM")}
    full.update(env or {})
    if full.get("JOURNAL_STREAM") is True:
        st = os.fstat(log.fileno())
        full["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
    bot.proc = subprocess.Popen([CAUCUS, "run", "-c", str(bot.config)], stdout=log,
                                stderr=log, cwd=bot.dir, env=full)
    log.close()
    return bot


def http_extra(port, metrics=True):
    return f"""
[http]
listen = "127.0.0.1:{port}"
metrics = {"true" if metrics else "false"}
"""


def get(port, path, method="GET", timeout=5):
    """(status, headers, body) of one request to the bot's listener."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def wait_healthy(port, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            st, _, body = get(port, "/healthz")
            if st == 200:
                return json.loads(body)
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("/healthz did not say ok within %d s" % timeout)


# ---- the notify protocol and journald priorities ----

class NotifySocket:
    """The service manager's end of NOTIFY_SOCKET: a datagram socket whose
    messages a thread collects with the time they came."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.messages = []      # (monotonic time, {key: value})
        self.stop = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stop:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            fields = dict(line.split("=", 1) for line in data.decode().splitlines()
                          if "=" in line)
            self.messages.append((time.monotonic(), fields))

    def wait(self, key, value=None, after=0, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, (t, m) in enumerate(self.messages[after:], after):
                if key in m and (value is None or m[key] == value):
                    return i, m
            time.sleep(0.05)
        raise AssertionError(f"no {key}={value} from the daemon within {timeout} s: "
                             f"{self.messages}")

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def test_notify_protocol_and_journal_priorities(homeserver, bot_factory, tmp_path):
    sock = NotifySocket(tmp_path / "notify.sock")
    bot = bot_factory(homeserver)
    try:
        start(bot, {"NOTIFY_SOCKET": sock.path, "WATCHDOG_USEC": "1000000",
                    "JOURNAL_STREAM": True})
        i, _ = sock.wait("READY", "1")
        # READY=1 comes once the first sync is applied: its time is kept
        assert bot.meta("sync_ms") is not None
        assert any("STATUS" in m and m["STATUS"].startswith("starting")
                   for _, m in sock.messages[:i]), sock.messages
        _, m = sock.wait("STATUS", after=i)
        assert "syncing" in m["STATUS"], m
        # the watchdog: half of WATCHDOG_USEC, from the loop
        t0 = time.monotonic()
        time.sleep(2.6)
        pings = [t for t, m in sock.messages if m.get("WATCHDOG") == "1" and t >= t0]
        assert 4 <= len(pings) <= 7, pings
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        assert all(0.3 < g < 0.8 for g in gaps), gaps
        # a reload: RELOADING=1 with MONOTONIC_USEC, then READY=1
        n = len(sock.messages)
        bot.signal(signal.SIGHUP)
        j, m = sock.wait("RELOADING", "1", after=n)
        usec = int(m["MONOTONIC_USEC"])
        assert abs(usec / 1e6 - time.clock_gettime(time.CLOCK_MONOTONIC)) < 5
        sock.wait("READY", "1", after=j + 1)
        bot.wait_log(r"reloaded")
        n = len(sock.messages)
        assert bot.stop() == 0
        sock.wait("STOPPING", "1", after=n, timeout=5)
    finally:
        sock.close()
    lines = [ln for ln in bot.log().splitlines() if ln and not ln.startswith("====")]
    assert lines
    for ln in lines:
        assert re.match(r"<[3-7]>(debug|info|warn|error) ", ln), ln
    assert any(ln.startswith("<6>info caucus: ready") for ln in lines), lines


def test_without_notify_socket_nothing_changes(homeserver, bot_factory):
    # JOURNAL_STREAM naming another stream (standard error was redirected):
    # plain lines with their time
    bot = start(bot_factory(homeserver), {"JOURNAL_STREAM": "8:12345"})
    bot.wait_log(r"caucus: ready")
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ info caucus: ready", bot.log(), re.M)


# ---- caucus status ----

def status(bot):
    return subprocess.run([CAUCUS, "status", "-c", str(bot.config)], cwd=bot.dir,
                          capture_output=True, text=True, timeout=30)


def test_status_next_to_a_live_daemon(homeserver, bot_factory):
    # an issue room that does not exist: a warning the status shows
    bot = bot_factory(homeserver, extra="""
[[issue]]
slug = "ghost"
name = "Ghost"
room = "#no-such-room-here:localhost"
""").start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        eid = await alice.send(room, "!remind in 2h call the delegation")
        await alice.wait_reply(room, bot, eid)
        # status again and again while the bot works: it answers as fast
        for k in range(3):
            out = status(bot)
            assert out.returncode == 0, out.stdout + out.stderr
            t0 = time.monotonic()
            eid = await alice.send(room, "!who-covers cyber")
            await alice.wait_reply(room, bot, eid)
            assert time.monotonic() - t0 < 5
        await alice.close()
        return out.stdout
    text = run(go(), 120)
    print(text)
    assert re.search(r"^last sync: +\d+ s ago$", text, re.M), text
    assert re.search(r"^outbox: +0 waiting$", text, re.M), text
    assert "0 for quiet hours" in text
    assert re.search(r"reminder: call the delegation", text), text
    assert "daily digest" in text
    assert re.search(r"^feeds: +none$", text, re.M), text
    assert re.search(r"^encryption: +on, device \w+, \d+ one-time keys left", text, re.M), text
    assert "#no-such-room-here:localhost" in text, text
    assert re.search(r"^health: +ok$", text, re.M), text

    # stopped for three minutes (the last sync kept is older): unhealthy
    assert bot.stop() == 0
    db = sqlite3.connect(bot.dir / "caucus.db")
    db.execute("UPDATE meta SET value = ? WHERE key = 'sync_ms'",
               (str(int(time.time() * 1000) - 180000),))
    db.commit()
    db.close()
    out = status(bot)
    assert out.returncode == 1, out.stdout
    assert "UNHEALTHY: the last sync is older than 2 minutes" in out.stdout
    assert re.search(r"^last sync: +3 min ago$", out.stdout, re.M), out.stdout

    # a message waiting for more than five minutes: unhealthy too
    db = sqlite3.connect(bot.dir / "caucus.db")
    db.execute("UPDATE meta SET value = ? WHERE key = 'sync_ms'",
               (str(int(time.time() * 1000)),))
    db.execute("INSERT INTO outbox(room_id, txn_id, content, created_ms) "
               "VALUES ('!r:localhost', 'stuck', '{}', ?)",
               (int(time.time() * 1000) - 400000,))
    db.commit()
    db.close()
    out = status(bot)
    assert out.returncode == 1, out.stdout
    assert "more than 5 minutes" in out.stdout
    assert re.search(r"^outbox: +1 waiting, the oldest queued 6 min ago$", out.stdout,
                     re.M), out.stdout


def test_status_without_a_database(tmp_path):
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f"""
[matrix]
homeserver = "http://127.0.0.1:9"
user_id = "@caucus:localhost"
password = "x"
[bot]
database = "{tmp_path / 'none.db'}"
""")
    out = subprocess.run([CAUCUS, "status", "-c", str(cfg)], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 1
    assert "cannot open" in out.stderr
    assert not (tmp_path / "none.db").exists()


# ---- the HTTP listener ----

def test_healthz_metrics_and_the_rest(homeserver, bot_factory):
    from prometheus_client.parser import text_string_to_metric_families

    port = free_port()
    bot = bot_factory(homeserver, extra=http_extra(port)).start()
    h = wait_healthy(port)
    assert h["status"] == "ok" and h["outbox_depth"] == 0 and h["last_sync_seconds_ago"] < 60

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        for cmd in ("!who-covers cyber", "!who-covers privacy", "!nosuchcommand"):
            eid = await alice.send(room, cmd)
            await alice.wait_reply(room, bot, eid)
        await alice.close()
    run(go(), 90)

    st, hdr, body = get(port, "/metrics")
    assert st == 200
    assert hdr["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert hdr["Server"] == "caucus"
    fams = {f.name: f for f in text_string_to_metric_families(body)}
    # the parser names counters without their _total
    for name, kind in (("caucus_up", "gauge"), ("caucus_sync_lag_seconds", "gauge"),
                       ("caucus_outbox_depth", "gauge"), ("caucus_events", "counter"),
                       ("caucus_commands", "counter"), ("caucus_send_failures", "counter"),
                       ("caucus_rate_limited", "counter"), ("caucus_reminders", "counter"),
                       ("caucus_decrypt_failures", "counter"),
                       ("caucus_feed_fetch", "counter")):
        assert name in fams, (name, body)
        assert fams[name].type == kind, (name, fams[name].type)

    def value(fam, **labels):
        for s in fams[fam].samples:
            if s.labels == labels and not s.name.endswith("_created"):
                return s.value
        return None
    assert value("caucus_up") == 1
    assert 0 <= value("caucus_sync_lag_seconds") < 60
    assert value("caucus_outbox_depth") == 0
    assert value("caucus_commands", command="who-covers") == 2
    assert value("caucus_commands", command="unknown") == 1
    assert value("caucus_events", kind="message") >= 3
    assert value("caucus_feed_fetch", result="ok") == 0

    # an independent check of the exposition format
    chk = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                         text=True, timeout=30)
    assert chk.returncode == 0, chk.stdout + chk.stderr

    # everything else: 404; other methods: 405; HEAD has no body
    assert get(port, "/")[0] == 404
    assert get(port, "/healthz/x")[0] == 404
    assert get(port, "/calendar/abc.ics")[0] == 404
    st, hdr, _ = get(port, "/healthz", method="POST")
    assert st == 405 and hdr["Allow"] == "GET, HEAD"
    st, _, body = get(port, "/healthz", method="HEAD")
    assert st == 200 and body == ""
    # a header block over the limit is refused, and the bot keeps serving
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
    reply = s.recv(200)
    s.close()
    assert re.match(rb"HTTP/1\.1 4(31|13) ", reply), reply
    assert get(port, "/healthz")[0] == 200

    # metrics = false, reloaded: /metrics is gone, /healthz stays
    cfg = bot.config.read_text().replace("metrics = true", "metrics = false")
    bot.config.write_text(cfg)
    mark = len(bot.log())
    bot.signal(signal.SIGHUP)
    bot.wait_log(r"reloaded", after=mark)
    assert get(port, "/metrics")[0] == 404
    assert get(port, "/healthz")[0] == 200


def test_healthz_says_why_before_the_first_sync(homeserver, bot_factory, tmp_path):
    """A homeserver that never answers: the listener answers 503 meanwhile."""
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    dead.listen(16)     # accepts and never answers
    port = free_port()
    bot = bot_factory(homeserver, extra=http_extra(port))
    bot.config.write_text(bot.config.read_text().replace(
        homeserver.base, "http://127.0.0.1:%d" % dead.getsockname()[1]))
    start(bot)
    deadline = time.monotonic() + 30
    while True:
        try:
            st, _, body = get(port, "/healthz")
            break
        except OSError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert st == 503, body
    j = json.loads(body)
    assert j["status"] == "unhealthy" and j["reason"] == "no sync applied yet"
    st, _, body = get(port, "/metrics")
    assert "caucus_up 0" in body and "caucus_sync_lag_seconds NaN" in body
    bot.kill()
    dead.close()


@pytest.mark.skipif(not shutil.which("prometheus"), reason="no prometheus server")
def test_a_real_prometheus_scrapes_the_bot(homeserver, bot_factory, tmp_path):
    port = free_port()
    bot = bot_factory(homeserver, extra=http_extra(port)).start()
    wait_healthy(port)
    prom_port = free_port()
    (tmp_path / "prometheus.yml").write_text(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: caucus
    static_configs:
      - targets: ["127.0.0.1:{port}"]
""")
    prom = subprocess.Popen(
        ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
         f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{prom_port}"],
        stdout=open(tmp_path / "prometheus.log", "w"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        result = None
        while time.monotonic() < deadline:
            try:
                url = (f"http://127.0.0.1:{prom_port}/api/v1/query?"
                       "query=caucus_outbox_depth")
                with urllib.request.urlopen(url, timeout=5) as r:
                    j = json.loads(r.read())
                if j["status"] == "success" and j["data"]["result"]:
                    result = j["data"]["result"]
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert result, (tmp_path / "prometheus.log").read_text()[-2000:]
        print("PromQL caucus_outbox_depth:", result)
        assert result[0]["metric"]["job"] == "caucus"
        assert result[0]["value"][1] == "0"
        url = f"http://127.0.0.1:{prom_port}/api/v1/query?query=up"
        with urllib.request.urlopen(url, timeout=5) as r:
            up = json.loads(r.read())["data"]["result"]
        assert up and up[0]["value"][1] == "1", up
    finally:
        prom.terminate()
        prom.wait(timeout=30)


def test_slow_and_idle_clients_do_not_slow_the_bot(homeserver, bot_factory):
    port = free_port()
    bot = bot_factory(homeserver, extra=http_extra(port)).start()
    wait_healthy(port)
    def cpu_s():
        f = Path(f"/proc/{bot.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    cpu0, wall0 = cpu_s(), time.monotonic()
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(200)]
    # slowloris: a request head that never ends, one byte every 0.2 s
    slow = socket.create_connection(("127.0.0.1", port), timeout=5)
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    stop = threading.Event()
    slow_closed = {}

    def trickle():
        t0 = time.monotonic()
        while not stop.is_set():
            try:
                slow.sendall(b"X")
            except OSError:
                slow_closed["after"] = time.monotonic() - t0
                return
            time.sleep(0.2)
    th = threading.Thread(target=trickle, daemon=True)
    th.start()
    latencies, health = [], []

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        for k in range(8):
            t0 = time.monotonic()
            st, _, _ = get(port, "/healthz", timeout=2)
            health.append((st, time.monotonic() - t0))
            eid = await alice.send(room, f"!who-covers cyber")
            ans = await alice.wait_reply(room, bot, eid, timeout=10)
            sent = next(e for e in alice.events[room] if e.get("event_id") == eid)
            latencies.append((ans["origin_server_ts"] - sent["origin_server_ts"]) / 1000)
        await alice.close()
    run(go(), 120)
    # the slowloris is cut off after HTTP_REQUEST_MS (10 s) even though it trickles
    th.join(timeout=20)
    stop.set()
    cpu, wall = cpu_s() - cpu0, time.monotonic() - wall0
    print(f"command latencies with 200 idle connections and a slowloris: "
          f"max {max(latencies):.3f} s, {['%.3f' % x for x in latencies]}; "
          f"/healthz {['%.3f' % t for _, t in health]}; "
          f"slowloris cut after {slow_closed.get('after', -1):.1f} s; "
          f"daemon CPU {cpu:.2f} s in {wall:.1f} s")
    assert cpu < 0.25 * wall, (cpu, wall)   # no busy loop over the idle connections
    assert all(st == 200 for st, _ in health), health
    assert max(t for _, t in health) < 1, health
    assert max(latencies) < 1, latencies
    assert 8 <= slow_closed.get("after", 99) <= 16, slow_closed
    # idle connections are closed by the server after its inactivity timeout
    closed = 0
    for s in idle:
        s.settimeout(5)
        try:
            if s.recv(1) == b"":
                closed += 1
        except OSError:
            closed += 1
        s.close()
    slow.close()
    assert closed == 200, closed
    assert get(port, "/healthz")[0] == 200


def test_metrics_follow_a_rate_limited_burst(make_homeserver, bot_factory):
    from prometheus_client.parser import text_string_to_metric_families
    from test_ratelimit import unlimit

    hs = make_homeserver(rc_message="2:5")
    port = free_port()
    bot = bot_factory(hs, extra=http_extra(port)).start()
    wait_healthy(port)
    depths = []

    def scrape():
        out = {}
        for f in text_string_to_metric_families(get(port, "/metrics")[2]):
            for s in f.samples:
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return out

    async def go():
        alice = await User(hs, "alice").login()
        unlimit(hs, alice)
        room = await room_with_bot(alice, bot)
        sent = [await alice.send(room, f"!who-covers cyber {k}") for k in range(20)]

        def done():
            depths.append(scrape()[("caucus_outbox_depth", ())])
            return all(alice.replies_to(room, bot.user_id, e) for e in sent)
        await alice.wait_for(done, 120, "all answers")
        await alice.close()
    run(go(), 180)
    m = scrape()
    print("outbox depths seen during the burst:", depths)
    assert max(depths) > 0, depths
    assert m[("caucus_outbox_depth", ())] == 0
    assert m[("caucus_rate_limited_total", ())] > 0
    assert m[("caucus_commands_total", (("command", "who-covers"),))] == 20
    assert m[("caucus_send_failures_total", (("reason", "refused"),))] == 0
