"""A conference feed that changes between fetches (SPEC §3 Feeds): a local
HTTP server the test starts serves it, with and without ETag, and the
issue room must get exactly the notices expected, once each - also when
the daemon is SIGKILLed between a fetch and its notice."""
import asyncio
import collections
import datetime
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import User, free_port, room_with_bot, run

DAY = datetime.datetime.now(datetime.timezone.utc).replace(
    hour=6, minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)


def stamp(day, hour):
    return (DAY + datetime.timedelta(days=day, hours=hour)).strftime("%Y%m%dT%H%M%SZ")


def event(uid, day, hour, summary, extra=""):
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20180101T000000Z\r\n"
            f"DTSTART:{stamp(day, hour)}\r\nDTEND:{stamp(day, hour + 1)}\r\n"
            f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\n")


def calendar(*events):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caucus test//EN\r\n"
            + "".join(events) + "END:VCALENDAR\r\n")


DAILY = event("daily@test", 0, 0, "Morning briefing", "RRULE:FREQ=DAILY;COUNT=3\r\n")
DAILY_LATE = (f"BEGIN:VEVENT\r\nUID:daily@test\r\nDTSTAMP:20180101T000000Z\r\n"
              f"RECURRENCE-ID:{stamp(1, 0)}\r\nDTSTART:{stamp(1, 3)}\r\n"
              f"DTEND:{stamp(1, 4)}\r\nSUMMARY:Morning briefing\r\nEND:VEVENT\r\n")
A = event("a@test", 0, 4, "Drafting Res. 130", "LOCATION:Room D\r\n")
A_MOVED = event("a@test", 0, 6, "Drafting Res. 130", "LOCATION:Room B\r\n")
B = event("b@test", 0, 8, "Plenary")
B_CANCELLED = event("b@test", 0, 8, "Plenary", "STATUS:CANCELLED\r\n")
C = event("c@test", 1, 8, "Side event")
D = event("d@test", 2, 8, "Wrap-up")
E = event("e@test", 2, 10, "Closing")

VERSIONS = [
    calendar(),                                           # until the room is linked
    calendar(A, B, C, DAILY),                             # 6 new
    calendar(A_MOVED, B_CANCELLED, C, DAILY, DAILY_LATE),  # 2 moved, 1 cancelled
    calendar(A_MOVED, B_CANCELLED, DAILY, DAILY_LATE),     # C gone
    calendar(A_MOVED, B_CANCELLED, DAILY, DAILY_LATE, D),  # D new (kill before answer)
    calendar(A_MOVED, B_CANCELLED, DAILY, DAILY_LATE, D, E),  # E new (kill after answer)
]


class Feed:
    """What the server serves, and what it saw."""

    def __init__(self):
        self.version = 0
        self.etag = True
        self.requests = 0
        self.conditional = 0    # requests with If-None-Match
        self.not_modified = 0
        self.on_request = None  # called once (then cleared) before answering
        self.after_answer = None
        self.lock = threading.Lock()


def serve(feed):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            with feed.lock:
                feed.requests += 1
                hook, feed.on_request = feed.on_request, None
                after, feed.after_answer = feed.after_answer, None
                version, with_etag = feed.version, feed.etag
            if hook:
                hook()
            body = VERSIONS[version].encode()
            tag = f'"v{version}"'
            inm = self.headers.get("If-None-Match")
            if inm:
                feed.conditional += 1
            try:
                self.answer(body, tag, inm, with_etag)
            except OSError:
                pass            # the daemon was killed mid-answer
            if after:
                after()

        def answer(self, body, tag, inm, with_etag):
            if with_etag and inm == tag:
                feed.not_modified += 1
                self.send_response(304)
                self.send_header("ETag", tag)
                self.end_headers()
            else:
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if with_etag:
                    self.send_header("ETag", tag)
                self.end_headers()
                self.wfile.write(body)
            self.wfile.flush()

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def notices(events, bot):
    """The feed notices' lines: 'New: #3 Plenary, ...' and so on."""
    lines = []
    for ev in events:
        body = ev.get("content", {}).get("body", "")
        if ev.get("sender") == bot.user_id and body.startswith("Schedule changes from feed"):
            lines.extend(line.lstrip("• ").strip() for line in body.split("\n")[1:])
    return lines


def kinds(lines):
    return collections.Counter((m.group(1), m.group(2)) for m in
                               (re.match(r"(\w[\w ]*?): #\d+ (.*?),", x) for x in lines) if m)


def test_changing_feed(homeserver, bot_factory):
    feed = Feed()
    srv = serve(feed)
    url = f"http://127.0.0.1:{srv.server_address[1]}/schedule.ics"
    port = free_port()
    bot = bot_factory(homeserver, extra=f"""
[http]
listen = "127.0.0.1:{port}"
metrics = true

[feeds]
interval = "2s"
timeout = "5s"

[[feed]]
url = "{url}"
issue = "cybersecurity"
""").start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        eid = await alice.send(room, "!issue link cybersecurity")
        await alice.wait_reply(room, bot, eid)

        def seen(want):
            have = kinds(notices(alice.events.get(room, []), bot))
            return all(have[k] >= n for k, n in want.items())

        async def step(version, want, what):
            feed.version = version
            await alice.wait_for(lambda: seen(want), 60, what)

        expect = collections.Counter()
        expect.update({("New", "Drafting Res. 130"): 1, ("New", "Plenary"): 1,
                       ("New", "Side event"): 1, ("New", "Morning briefing"): 3})
        await step(1, expect, "six new sessions")
        # all six in one message
        assert sum(1 for ev in alice.from_user(room, bot.user_id)
                   if ev["content"]["body"].startswith("Schedule changes")) == 1
        number = re.search(r"New: #(\d+) Drafting", "\n".join(
            notices(alice.events[room], bot))).group(1)
        eid = await alice.send(room, f"!attend {number}")
        await alice.wait_reply(room, bot, eid)
        # unchanged while the server answers 304
        await alice.wait_for(lambda: feed.not_modified >= 2, 30, "304 answers")

        expect.update({("Moved", "Drafting Res. 130"): 1, ("Cancelled", "Plenary"): 1,
                       ("Moved", "Morning briefing"): 1})
        await step(2, expect, "a move, a cancellation and a moved occurrence")
        last = alice.from_user(room, bot.user_id)[-1]
        assert "Moved: #" in last["content"]["body"]
        assert alice.user_id in last["content"].get("m.mentions", {}).get("user_ids", [])
        assert "(was " in last["content"]["body"]

        # without ETag from now on: whole answers, still nothing to tell twice
        feed.etag = False
        expect.update({("Cancelled", "Side event"): 1})
        await step(3, expect, "an event gone from the feed")
        before = feed.requests
        await alice.wait_for(lambda: feed.requests >= before + 2, 30, "fetches without ETag")

        # SIGKILL while the fetch is in flight: the restarted daemon fetches
        # again and tells it once
        killed = threading.Event()

        def kill():
            bot.kill()
            killed.set()
        feed.on_request = kill
        feed.version = 4
        await asyncio.get_running_loop().run_in_executor(None, killed.wait, 60)
        bot.start()
        expect.update({("New", "Wrap-up"): 1})
        await alice.wait_for(lambda: seen(expect), 90, "the new session after a SIGKILL")

        # SIGKILL just after the answer, before or after its commit
        killed.clear()
        feed.after_answer = kill
        feed.version = 5
        await asyncio.get_running_loop().run_in_executor(None, killed.wait, 60)
        bot.start()
        expect.update({("New", "Closing"): 1})
        await alice.wait_for(lambda: seen(expect), 90, "the new session after a SIGKILL")

        # a few more fetches, then every notice exactly once
        before = feed.requests
        await alice.wait_for(lambda: feed.requests >= before + 3, 30, "more fetches")
        await alice.sync(1000)
        got = kinds(notices(await alice.history(room), bot))
        assert got == expect, f"notices: {got} expected: {expect}"

        eid = await alice.send(room, "!feeds")
        ans = (await alice.wait_reply(room, bot, eid))["content"]["body"]
        assert url in ans and "for: cybersecurity" in ans, ans
        assert "sessions made: 6" in ans, ans
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            metrics = r.read().decode()
        ok = re.search(r'^caucus_feed_fetch_total\{result="ok"\} (\d+)$', metrics, re.M)
        assert ok and int(ok.group(1)) >= 3, metrics
        await alice.close()
    try:
        run(go(), 400)
    finally:
        srv.shutdown()
    assert feed.conditional >= 2
    assert bot.log().count("==== start") == 3


def test_feed_limits(homeserver, bot_factory):
    """Redirects limited, a size cap, a timeout, and HTTP errors: each
    named in !feeds; and a hanging feed never holds up an answer."""
    hang = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                if self.path.startswith("/loop"):
                    self.send_response(302)
                    self.send_header("Location", f"/loop{int(self.path[5:] or 0) + 1}")
                    self.end_headers()
                elif self.path == "/big.ics":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/calendar")
                    self.end_headers()
                    chunk = b"X-FILLER:" + b"x" * 65527 + b"\r\n"
                    for _ in range(200):        # 13 MB, no Content-Length
                        self.wfile.write(chunk)
                elif self.path == "/hang.ics":
                    hang.wait(30)
                else:
                    self.send_response(404)
                    self.end_headers()
            except OSError:
                pass

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    feeds = "".join(f'\n[[feed]]\nurl = "{base}/{p}"\n'
                    for p in ("loop0", "big.ics", "hang.ics", "gone.ics"))
    bot = bot_factory(homeserver, extra=f"""
[feeds]
interval = "3s"
timeout = "4s"
{feeds}""").start()

    async def go():
        alice = await User(homeserver, "alice").login()
        room = await room_with_bot(alice, bot)
        # answers come while the hanging fetch is in flight
        for _ in range(3):
            t0 = asyncio.get_running_loop().time()
            eid = await alice.send(room, "!issues")
            await alice.wait_reply(room, bot, eid, 10)
            assert asyncio.get_running_loop().time() - t0 < 8
        for _ in range(60):
            eid = await alice.send(room, "!feeds")
            ans = (await alice.wait_reply(room, bot, eid))["content"]["body"]
            if ans.count("last error:") == 4:
                break
            await asyncio.sleep(2)
        assert re.search(r"last error: .*[Rr]edirect", ans), ans
        assert "last error: response larger than the 8388608 byte limit" in ans, ans
        assert re.search(r"last error: .*timed out after 4\d\d\d milliseconds", ans), ans
        assert "last error: HTTP 404" in ans, ans
        await alice.close()
    try:
        run(go(), 300)
    finally:
        hang.set()
        srv.shutdown()
