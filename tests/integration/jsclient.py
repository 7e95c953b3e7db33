"""A person on Element's crypto stack: tests/js/client.mjs (matrix-js-sdk
with its Rust crypto on Node.js) as a child process, one JSON request per
line.  tests/js/install.sh puts the pinned packages in a cache outside the
checkout the first time; the tests that need it skip with one line when
Node.js or npm is missing."""
import asyncio
import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JS_DIR = REPO / "tests" / "js"
_installed = None
_version = None                 # what the js-sdk devices reported
_results = []                   # (test, outcome) of the tests that used one


def pytest_runtest_logreport(report):
    """Plugin hook (conftest.py loads this module as a plugin)."""
    if report.when == "call" and report.nodeid.split("::")[0].endswith("test_element.py"):
        _results.append((report.nodeid.split("::")[-1], report.outcome))


def pytest_terminal_summary(terminalreporter):
    """The js-sdk tests by name, next to the nio ones' count."""
    if not _results:
        return
    tr = terminalreporter
    tr.write_sep("-", f"with Element's crypto stack: {_version or 'js-sdk not started'}")
    for name, outcome in _results:
        tr.write_line(f"{outcome:8} {name}")


def ensure_installed():
    """Runs tests/js/install.sh once per test run; skips the test when
    Node.js is absent."""
    global _installed
    if _installed is None:
        if not shutil.which("node") or not shutil.which("npm"):
            _installed = "Node.js and npm are needed for the js-sdk tests"
        else:
            r = subprocess.run(["sh", str(JS_DIR / "install.sh")], capture_output=True,
                               text=True, timeout=600)
            _installed = True if r.returncode == 0 else \
                f"tests/js/install.sh failed: {r.stdout}{r.stderr}"
    if _installed is not True:
        pytest.skip(_installed)


class JsUser:
    """One js-sdk device of a user; call() sends a request to client.mjs."""

    def __init__(self, hs, local, logdir, password):
        self.hs = hs
        self.local = local
        self.user_id = f"@{local}:localhost"
        self.password = password
        self.logfile = Path(logdir) / f"js-{local}.log"
        self.proc = None
        self.ids = itertools.count(1)
        self.device_id = None
        self.version = None

    async def start(self):
        ensure_installed()
        self.log = open(self.logfile, "ab")
        self.proc = await asyncio.create_subprocess_exec(
            "node", str(JS_DIR / "client.mjs"), stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log, cwd=str(JS_DIR), limit=16 << 20)
        return self

    async def call(self, op, timeout=60, **args):
        """op with args (client.mjs takes its own waits as timeout_ms);
        timeout bounds the whole call, in seconds."""
        rid = next(self.ids)
        self.proc.stdin.write((json.dumps({"id": rid, "op": op, "args": args}) + "\n").encode())
        await self.proc.stdin.drain()
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            if not line:
                raise AssertionError(f"js-sdk client ended; its log:\n{self.log_text()}")
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if isinstance(msg, dict) and msg.get("id") == rid:
                break
        if not msg["ok"]:
            raise AssertionError(f"js-sdk {op}: {msg['error']}")
        return msg["result"]

    def log_text(self):
        return self.logfile.read_text(errors="replace")[-4000:]

    async def login(self, strict=True, blacklist_unverified=False):
        r = await self.call("login", base=self.hs.base, user=self.local,
                            password=self.password, strict=strict,
                            blacklistUnverified=blacklist_unverified)
        global _version
        self.device_id = r["device_id"]
        self.version = r["version"]
        _version = f"matrix-js-sdk {r.get('sdk', '?')}, {r['version']}"
        return self

    async def close(self):
        if self.proc is None:
            return
        try:
            await self.call("stop", timeout=20)
        except Exception:
            pass
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        self.log.close()
        self.proc = None
