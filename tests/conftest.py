"""Shared fixtures: a real Redis (embedded, or REDIS_URL), a real SQL database
(SQLite in memory, or DATABASE_URL), socket test clients, a real RQ worker, live servers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis as redis_lib
import requests
import sqlalchemy as sa
from flask_socketio.test_client import SocketIOTestClient
from jinja2 import BytecodeCache
from rq.serializers import JSONSerializer

from helpline import create_app, jobs, timers
from helpline.admin import accounts
from helpline.auth import totp_keys
from helpline.chat import proofofwork
from helpline.extensions import db, socketio
from helpline.realtime import live as live_state
from helpline.settings import TestingConfig
from tests import totp
from tests.clock import Clock

# pytest imports this file as `conftest`; tests import it as `tests.conftest`. One module,
# not two copies: LiveServers and STARTED_LOGS below are the same for the hooks and tests.
sys.modules.setdefault("tests.conftest", sys.modules[__name__])

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
# Test apps derive their TOTP key from TestingConfig's SECRET_KEY; live servers (another
# SECRET_KEY) are given the same key, so they read the secrets the fixtures stored.
TOTP_KEY = totp_keys.development_key(TestingConfig.SECRET_KEY).decode()
CHROMIUM = "/usr/bin/chromium"
LOG_TAIL_CHARS = 8000  # of a live server's log, shown under a failed test
START_SECONDS = 120  # a live server's start: a deadline, not a timing assertion
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # Headless Chromium 156 still preloads the address bar's pop-up (web pages of its
    # own, a renderer per window): a tenth to a quarter of its CPU in tests that open
    # many contexts. Playwright merges this list into its own; unknown names are ignored.
    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxFullPopup,WebUIOmniboxAimPopup,"
    "PreloadTopChromeWebUI",
]


def with_solution(data, get_challenge) -> dict:
    """A `start` payload with a solved proof of work added (helpline/chat/proofofwork.py).

    Tests of the proof of work itself put their own `pow` key in (None for none).
    """
    data = dict(data or {})
    if "pow" not in data:
        data["pow"] = proofofwork.solve(get_challenge())
    return data


class ChatterClient(SocketIOTestClient):
    """A /chat test client that solves the proof of work before `start`, as the chatter
    page does. A `start` payload with its own `pow` key (None: none) is sent as it is,
    and so is fuzz input that is not a payload (tests/test_fuzz.py)."""

    def emit(self, event, *args, **kwargs):
        if (event == "start" and kwargs.get("namespace") == "/chat" and len(args) <= 1
                and (not args or args[0] is None or isinstance(args[0], dict))):
            http = self.app.test_client()
            args = (with_solution(args[0] if args else None, lambda: http.get("/challenge").json),)
        return super().emit(event, *args, **kwargs)


def chatter_client(app, **kwargs) -> ChatterClient:
    """socketio.test_client(app, namespace="/chat", **kwargs), solving the proof of work."""
    return ChatterClient(app, socketio, namespace="/chat", **kwargs)


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis for the whole run: REDIS_URL (CI) or an embedded redis-server."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    from helpline.server.redis_server import start_embedded_redis, stop_embedded_redis

    proc, url = start_embedded_redis()
    yield url
    stop_embedded_redis(proc)


class CompiledOnce(BytecodeCache):
    """Jinja's compiled templates kept for the whole run (its public bytecode cache, in
    memory): every test's app would otherwise compile each page it renders anew. Jinja
    checks each entry against the template's source, and every app of the suite has the
    same Jinja settings."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = CompiledOnce()


@pytest.fixture
def app(redis_url, tmp_path):
    """A fresh app per test with an empty Redis and empty tables, and its own clock
    (tests.clock.Clock, the `clock` fixture): a test moves it instead of sleeping.

    No app context stays pushed during the test: socket events must each get their own,
    as on a real server (a shared one would share Flask-Login's cached user). Tests
    that touch the database directly use the `ctx` fixture.
    """
    app = create_app("testing", overrides={"REDIS_URL": redis_url, "LINE_BROADCAST_DELAY": 0,
                                           "CLOCK": Clock(),
                                           "MESSAGE_KEYS_DIR": str(tmp_path / "message-keys")})
    app.jinja_env.bytecode_cache = TEMPLATES
    totp.forget()
    r = app.extensions["helpline_redis"]
    r.flushdb()
    with app.app_context():
        _empty_database()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    r.flushdb()


_schema_built = False


def _empty_database() -> None:
    """Every table present and empty, every id counting from 1 again. SQLite in memory
    is new with each app. A server database (PostgreSQL) keeps its tables from test to
    test: one query finds the tables a test left rows in (most leave none), only those
    are truncated, and every sequence restarts (2-5 ms, against about 40 for truncating
    every table and 108 for dropping and creating them). It is built anew once per run,
    and again whenever a test (migrations, live servers) dropped a table."""
    global _schema_built
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "sqlite":
        db.drop_all()
        db.create_all()
        return
    present = set(sa.inspect(db.engine).get_table_names())
    if not _schema_built or not {t.name for t in tables} <= present:
        db.drop_all()
        db.create_all()
        _schema_built = True
        return
    used = [name for (name,) in db.session.execute(sa.text(" UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables)))]
    if used:
        names = ", ".join(f'"{name}"' for name in used)
        db.session.execute(sa.text(f"TRUNCATE {names} CASCADE"))
    db.session.execute(sa.text(
        "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
        "FROM pg_sequences WHERE schemaname = current_schema()"))
    db.session.commit()


@pytest.fixture
def clock(app) -> Clock:
    """The app's clock: `clock.advance(seconds)` is time passing, at once."""
    return app.config["CLOCK"]


@pytest.fixture
def ctx(app):
    """Run a block inside an app context: `with ctx(): db.session...`."""
    return app.app_context


@pytest.fixture
def r(app):
    """The app's live-state Redis client."""
    return app.extensions["helpline_redis"]


def add_staff(username: str, role: str, name: str | None, two_factor: bool | None):
    """An account with the test PASSWORD (not one-time); supervisors, who must use
    two-factor sign-in, are enrolled with tests.totp.SECRET unless two_factor=False."""
    staff = accounts.create_staff(db.session, username, name or username.title(), role, PASSWORD)
    if two_factor or (two_factor is None and role == "supervisor"):
        staff.totp_secret = totp_keys.encrypt(totp.SECRET)  # as enrolment stores it
        db.session.commit()
    return staff


@pytest.fixture
def make_staff(app):
    """Create a staff account: make_staff('anna', role='therapist') -> a detached snapshot."""

    def make(username: str, role: str = "therapist", name: str | None = None,
             two_factor: bool | None = None):
        with app.app_context():
            staff = add_staff(username, role, name, two_factor)
            return SimpleNamespace(id=staff.id, username=staff.username, role=staff.role,
                                   password_hash=staff.password_hash)

    return make


def sign_in(http, username: str, password: str = PASSWORD):
    """Sign in with a Flask test client: the password, then a code if one is asked."""
    response = http.post("/staff/login", data={"username": username, "password": password})
    if response.status_code == 302 and "/staff/login/code" in response.headers["Location"]:
        code = totp.next_code(username, http.application.config.get("CLOCK") or time.time)
        response = http.post("/staff/login/code", data={"code": code})
    return response


@pytest.fixture
def chatter(app):
    """A new anonymous /chat test client each call (a ChatterClient: `start` is solved)."""
    clients = []

    def make():
        client = chatter_client(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        if client.is_connected("/chat"):
            client.disconnect("/chat")


@pytest.fixture
def staff_socket(app):
    """A signed-in /staff test client for a staff account: staff_socket(staff)."""

    def make(staff):
        http = app.test_client()
        response = sign_in(http, staff.username)
        assert response.status_code == 302, response.status_code
        client = socketio.test_client(app, namespace="/staff", flask_test_client=http)
        assert client.is_connected("/staff")
        return client

    return make


def events(client, namespace, name=None):
    """Received events (optionally only `name`), as a list of payloads."""
    got = client.get_received(namespace)
    return [_payload(e) for e in got if name in (None, e["name"])]


def _payload(event: dict):
    """The test client stores 'message' events' payload bare, and others in a list."""
    if event["name"] in ("message", "json"):
        return event["args"]
    return event["args"][0] if event["args"] else None


FAR_FUTURE = 10 ** 9  # seconds: every planned timer is due by then


def run_jobs(app, *, include_scheduled: bool = True) -> None:
    """Run due timers in a real RQ worker; with include_scheduled every planned timer is
    made due first (time passed)."""
    with app.app_context():
        _run_jobs(app, include_scheduled)


def _run_jobs(app, include_scheduled: bool) -> None:
    queue = timers.queue()
    now = live_state.now()  # the app's clock (tests/clock.py): run_jobs runs in its app context
    timers.pump(app.extensions["helpline_redis"], now,
                until=now + FAR_FUTURE if include_scheduled else now)
    worker = jobs.AppWorker([queue], connection=app.extensions["helpline_rq_redis"],
                            serializer=JSONSerializer)
    worker.work(burst=True)


def eventually(check, timeout=60.0, what="the condition"):
    """Wait until check() is true (a deadline, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout}s")


def other_db(url: str, number: int) -> str:
    """The same Redis server, another logical database (live servers keep apart)."""
    from urllib.parse import urlsplit, urlunsplit

    if url.startswith("unix://"):
        return url.split("?")[0] + f"?db={number}"
    return urlunsplit(urlsplit(url)._replace(path=f"/{number}"))


_PORTS_GIVEN: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now that this run has not handed out before: two calls in
    a row can otherwise get the same port back (the first one's socket is closed), and
    nginx then put plain HTTP and TLS on one port."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _PORTS_GIVEN:
            _PORTS_GIVEN.add(port)
            return port


class LiveServers:
    """Server processes (and one worker) running `app.py` against shared Redis and SQL."""

    def __init__(self, redis_url: str, database_url: str, tmp: Path, count: int = 1,
                 env: dict | None = None):
        self.env = {**os.environ, "REDIS_URL": redis_url, "DATABASE_URL": database_url,
                    "SECRET_KEY": "live-test-secret-" + "x" * 32, "HELPLINE_ENV": "development",
                    "TOTP_ENCRYPTION_KEYS": TOTP_KEY,
                    "RESUME_GRACE_SECONDS": "30", "PYTHONUNBUFFERED": "1",
                    # chats start at any hour; tests of the gate switch it on themselves
                    "CHAT_ALWAYS_OPEN": "1",
                    # staff views are sent the first 3 places: browser tests see the rest counted
                    "LINE_VIEW_LIMIT": "3",

                    # a small proof of work, also for a long line; many clients connect
                    # and fetch challenges at once in some tests
                    "POW_MAX_NUMBER": "1000", "POW_MAX_NUMBER_RAISED": "2000",
                    "SIGNIN_POW_MAX_NUMBER": "1000",
                    "HANDSHAKES_PER_SECOND": "1000", "CHALLENGES_PER_SECOND": "0",
                    # the scrubber loads at the first note, not at each of these starts
                    "SCRUBBER_PRELOAD": "0",
                    # no metrics port unless a test asks (processes would share the default)
                    "METRICS_PORT": "0",
                    # a loaded test box's lag must not refuse the tests' own newcomers
                    # (tests/test_overload.py checks the refusals in-process)
                    "OVERLOAD_LAG_MS": "0",
                    **(env or {})}
        self.procs: list[subprocess.Popen] = []
        self.urls: list[str] = []
        self.log = tmp / "live.log"
        STARTED_LOGS.append(self.log)
        log = self.log.open("ab")
        for _ in range(count):
            port = free_port()
            self.procs.append(subprocess.Popen(
                [sys.executable, "app.py", "serve", "--port", str(port)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT))
            self.urls.append(f"http://127.0.0.1:{port}")
        self.procs.append(subprocess.Popen([sys.executable, "app.py", "worker"], cwd=ROOT,
                                           env=self.env, stdout=log, stderr=subprocess.STDOUT))
        for proc, url in zip(self.procs, self.urls, strict=False):
            self._wait(proc, url)

    def _wait(self, proc: subprocess.Popen, url: str) -> None:
        """Until the server answers /healthz. A generous deadline: with the scrubber
        preloaded (spaCy) a start takes 10-30 s on a busy 2-core machine. A server that
        exits fails at once."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if requests.get(url + "/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        state = "exited" if proc.poll() is not None else f"not up within {START_SECONDS} s"
        raise RuntimeError(f"live server did not start ({state}):\n"
                           f"{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        stop_processes(self.procs)


def stop_processes(procs: list[subprocess.Popen], timeout: float = 10) -> None:
    """SIGTERM to all (each stops gracefully at once), then SIGKILL to any still up."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()


STARTED_LOGS: list[Path] = []  # of the LiveServers started since the running test's setup

# .ci/run runs the suite in two halves at once: "embedded" (embedded Redis, SQLite) and
# "services" (the machine's PostgreSQL and Redis). A test whose outcome the backends could
# change runs in both; one that is the same whatever the backends runs in one half only:
# the browser tests in the embedded half (what `make run` gives), the tests marked `once`
# (their own SQLite file, or no database) in the services half (over the services' Redis),
# or in the half their marker names (`once("embedded")`: long tests that start their own
# processes, placed so that the halves take about as long). Unset, as in `make test`,
# everything runs.
SUITE_HALF = os.environ.get("HELPLINE_SUITE_HALF")


def once_in(item) -> str | None:
    """The one half that runs this test, or None for both."""
    if "browser" in item.fixturenames:
        return "embedded"
    marker = item.get_closest_marker("once")
    if marker:
        return marker.args[0] if marker.args else "services"
    if "redis_url" not in item.fixturenames:
        # no backend at all: every app, Redis, database and live server fixture takes
        # redis_url (a test that reads DATABASE_URL itself must take it too)
        return "services"
    return None


def pytest_collection_modifyitems(config, items) -> None:
    if SUITE_HALF not in ("embedded", "services"):
        return
    kept = [item for item in items if once_in(item) in (None, SUITE_HALF)]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


def pytest_runtest_setup(item) -> None:
    STARTED_LOGS.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that ran live servers shows the end of their log (and of any other log
    its fixtures name): a timeout in CI is otherwise a mystery. Logs hold no chatter data.
    Servers the test started itself (and stopped in a `finally`) count too."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    # `live` and `live_servers` are one object: each log once
    paths: dict[Path, None] = {path: None for path in STARTED_LOGS if path.is_file()}
    for value in item.funcargs.values():
        logs = [value.log] if isinstance(value, LiveServers) else (
            value.get("logs", []) if isinstance(value, dict) else [])
        paths.update((path, None) for path in logs if path.is_file())
    for path in paths:
        tail = path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
        report.sections.append((f"end of {path}", tail or "(empty)"))


@pytest.fixture(scope="session")
def live_db(tmp_path_factory, redis_url):
    """A database the live servers and the test share: DATABASE_URL or a SQLite file."""
    url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite'}")
    return url


@pytest.fixture(scope="session")
def live_servers(tmp_path_factory, redis_url, live_db):
    """Two server processes and a worker sharing one Redis and one database."""
    app = create_app("testing", overrides={"REDIS_URL": other_db(redis_url, 1),
                                           "SQLALCHEMY_DATABASE_URI": live_db})
    with app.app_context():
        db.drop_all()
        db.create_all()
    # These two serve the whole session, and the browser tests file notes: they load the
    # scrubber at start, as production does, not within a page's wait for its answer.
    # No limit on the line (tested in-process: tests/availability): 30 chatters start at
    # once with 30 free places, and on a busy machine more than 15 of them may wait for a
    # moment before the assignments catch up.
    servers = LiveServers(other_db(redis_url, 1), live_db, tmp_path_factory.mktemp("servers"),
                          count=2, env={"SCRUBBER_PRELOAD": "1", "MAX_LINE_LENGTH": "0"})
    servers.app = app
    yield servers
    servers.stop()
    with app.app_context():
        db.drop_all()


@pytest.fixture
def live(live_servers):
    """The live servers with an empty Redis and no staff accounts for this test."""
    r = redis_lib.Redis.from_url(live_servers.env["REDIS_URL"])
    totp.forget()
    _forget_live_state(r)
    with live_servers.app.app_context():
        db.create_all()  # unit tests may share this database (PostgreSQL) and drop tables
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    yield live_servers
    _forget_live_state(r)


def _forget_live_state(r) -> None:
    """Drop the helpline's keys only: the worker's own RQ keys stay valid, and so do the
    running servers' heartbeats (a lapsed one would make a server close every socket)."""
    names = [n for n in r.scan_iter("hl:*") if not n.startswith((b"hl:proc:", b"hl:procs"))]
    if names:
        r.delete(*names)


@pytest.fixture
def live_staff(live):
    """Create a staff account in the live servers' database; returns its username."""

    def make(username: str, role: str = "therapist", name: str | None = None,
             two_factor: bool | None = None) -> str:
        with live.app.app_context():
            add_staff(username, role, name, two_factor)
        return username

    return make


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; skipped without it, a failure on CI."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing (apt-get install chromium, or `make chromium`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    # expect() waits up to 20 s, not Playwright's 5: a deadline for a busy CI machine (a
    # sign-in's argon2 runs at a lower priority there), never a timing assertion.
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def peers():
    """Make python-socketio clients (tests.peers.Peer); all are closed after the test."""
    from tests.peers import Peer

    made: list[Peer] = []

    def make(*args, **kwargs):
        peer = Peer(*args, **kwargs)
        made.append(peer)
        return peer

    yield make
    closers = [threading.Thread(target=peer.close) for peer in made]  # each takes a moment
    for thread in closers:
        thread.start()
    for thread in closers:
        thread.join()
