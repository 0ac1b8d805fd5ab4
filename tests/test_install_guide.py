"""docs/install.md, followed the way an operator follows it: every block marked `<!-- CI -->`
runs as written (only paths, the database and ports swapped, each swap asserted to find its
text), against the machine's PostgreSQL, a Redis configured as step 3 says and Debian's
nginx with the shipped file; the servers and the worker start as the systemd units start
them, and it ends with the first sign-in and a full chat over wss.

Skipped only when nginx or PostgreSQL is missing and CI is not set."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
from pathlib import Path

import psycopg
import pyotp
import pytest
import requests

import helpline
from tests.conftest import ROOT, free_port, stop_processes
from tests.test_nginx import chat_through, need_nginx, start_nginx

pytestmark = [pytest.mark.timeout(600), pytest.mark.once("embedded")]  # see tests/conftest.py
GUIDE = ROOT / "docs" / "install.md"
UNITS = ROOT / "deploy" / "systemd"
PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def guide_blocks(text: str) -> list[str]:
    """The shell blocks that follow a `<!-- CI -->` line, in order."""
    return re.findall(r"<!-- CI -->\n```sh\n(.*?)```", text, flags=re.S)


def swap(text: str, required: dict[str, str], paths: dict[str, str]) -> str:
    """`required` swaps must find their text (the test follows the guide); the install
    paths are swapped wherever they appear."""
    for old, new in required.items():
        assert old in text, f"docs/install.md no longer has {old!r}"
        text = text.replace(old, new)
    for old, new in paths.items():
        text = text.replace(old, new)
    return text


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as systemd's EnvironmentFile= and the guide's helpline-cli read them."""
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def set_values(path: Path, values: dict[str, str]) -> None:
    """What the operator does by hand in step 5: replace the lines of their own settings."""
    text = path.read_text()
    for key, value in values.items():
        text, found = re.subn(rf"^{key}=.*$", f"{key}={value}", text, flags=re.M)
        if not found:
            text += f"\n{key}={value}\n"
    path.write_text(text)


def unit_command(unit: Path, swaps: dict[str, str], instance: str = "") -> list[str]:
    """ExecStart of a unit, as systemd would run it (the instance `%i` filled in)."""
    line = next(raw for raw in unit.read_text().splitlines() if raw.startswith("ExecStart="))
    command = line.removeprefix("ExecStart=").replace("%i", instance)
    for old, new in swaps.items():
        command = command.replace(old, new)
    return command.split()


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def first_sign_in(base: str, ca: str, username: str, one_time: str) -> requests.Session:
    """A person's first sign-in with the one-time password they were given: a new password,
    and for a supervisor an authenticator app (the code computed from the page's key), until
    the console answers."""
    http = requests.Session()
    http.verify, http.trust_env = ca, False
    token = csrf(http.get(base + "/staff/login").text)
    step = http.post(base + "/staff/login", allow_redirects=False, data={
        "csrf_token": token, "username": username, "password": one_time})
    assert step.status_code == 302 and step.headers["Location"].endswith("/staff/password")
    new = "Een-eigen-wachtwoord-" + secrets.token_hex(4)
    step = http.post(base + "/staff/password", allow_redirects=False, data={
        "csrf_token": token, "new": new, "repeat": new})
    assert step.status_code == 302, step.text[:500]
    if step.headers["Location"].endswith("/staff/two-factor"):
        page = http.get(base + "/staff/two-factor").text
        key = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page).group(1)
        codes = http.post(base + "/staff/two-factor", data={
            "csrf_token": token, "code": pyotp.TOTP(key).now()})
        assert codes.status_code == 200, codes.text[:500]
        step = http.post(base + "/staff/login/continue", allow_redirects=False,
                         data={"csrf_token": csrf(codes.text)})
    assert step.status_code == 302
    assert http.get(base + "/staff/", allow_redirects=False).status_code == 200
    return http


@pytest.fixture
def database():
    """A database of its own on the machine's PostgreSQL, as step 2 makes one."""
    try:
        admin = psycopg.connect(PG, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    name = f"hl_install_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def guide_redis(tmp_path):
    """Redis configured as step 3 configures the machine's: memory only, bounded, local."""
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--maxmemory", "512mb", "--maxmemory-policy", "noeviction",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while subprocess.run(["redis-cli", "-p", str(port), "ping"],
                         capture_output=True).stdout.strip() != b"PONG":
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_the_install_guide_ends_in_a_chat_over_wss(tmp_path, database, guide_redis, peers):
    need_nginx()
    version = helpline.__version__
    opt, etc, state = tmp_path / "opt/helpline", tmp_path / "etc/helpline", tmp_path / "state"
    systemd = tmp_path / "systemd"
    systemd.mkdir()
    paths = {"/opt/helpline": str(opt), "/etc/helpline": str(etc),
             "/var/lib/helpline": str(state), "/etc/systemd/system/": f"{systemd}/"}
    blocks = guide_blocks(GUIDE.read_text())
    assert len(blocks) == 6, "the guide's tested blocks changed: update this test with it"
    build, unpack, environment, setup, units, first_password = blocks
    assert build.strip() == "make release"
    state.mkdir()
    # Not root here, or no `helpline` user: owners and `runuser` are the one thing left out.
    as_root = {"runuser -u helpline -- ": ""}
    owners = {"-o root -g helpline ": ""}

    clean = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}

    def run(block: str, required: dict[str, str]) -> str:
        """A block as the operator runs it (as root, in a shell), in a clean environment."""
        script = swap(block, required, paths)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT,
                              capture_output=True, text=True, timeout=540,
                              env={**clean, "HELPLINE_ENV_FILE": str(etc / "helpline.env")})
        assert done.returncode == 0, f"{script}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    run(build, {})
    tarball = ROOT / "dist" / f"helpline-{version}.tar.gz"
    assert tarball.exists()
    run(unpack, {f"tar -xzf helpline-{version}.tar.gz": f"tar -xzf {tarball}",
                 f"releases/helpline-{version}": f"releases/helpline-{version}"})
    release = opt / "current"
    assert not (release / "node_modules").exists()  # nothing from npm on the server
    # the scrubber's word lists came with the release: `make server` built none
    assert list(release.glob("share/scrubber-*/lists.json"))
    assert not list(release.glob(".venv/share/helpline/scrubber-*"))
    run(environment, owners)
    settings = etc / "helpline.env"
    assert oct(settings.stat().st_mode & 0o777) == "0o640"
    assert "CHANGE_ME" not in env_file(settings)["SECRET_KEY"]
    # Step 5's edit by hand: the operator's own values (and, here, a chat open at any hour).
    set_values(settings, {
        "HELPLINE_NAME": "Stop it Now", "HELPLINE_PHONE": "0800 200 50",
        "HELPLINE_EMAIL": "info@stopitnow.example", "SELF_HELP_URL": "https://example.org/",
        # this machine's own: the test's database and Redis, a state folder in tmp
        "DATABASE_URL": database, "REDIS_URL": guide_redis, "INSTANCE_PATH": str(state),
        "MESSAGE_KEYS_DIR": str(state / "message-keys"),
        # the test chats at any hour (an operator sets the opening hours at step 9)
        "CHAT_ALWAYS_OPEN": "1"})
    left = [name for name, value in env_file(settings).items() if "CHANGE_ME" in value]
    assert left == [], "the guide names every value to fill in"

    said = run(setup, as_root)
    assert "supervisor" in said and "first-run-password" in said
    again = run(setup, as_root)
    assert "none created" in again  # safe to run twice

    run(units, {"/etc/systemd/system/": f"{systemd}/"})
    servers = [free_port(), free_port()]
    env = {**env_file(settings), "PATH": os.environ["PATH"], "PYTHONUNBUFFERED": "1"}
    log = (tmp_path / "services.log").open("ab")
    procs = []
    try:
        for port in servers:  # each with its own metrics port (/etc/helpline/server-PORT.env)
            procs.append(subprocess.Popen(
                unit_command(systemd / "helpline-server@.service", paths, str(port)),
                cwd=release, env={**env, "METRICS_PORT": str(free_port())}, stdout=log,
                stderr=subprocess.STDOUT))
        procs.append(subprocess.Popen(
            unit_command(systemd / "helpline-worker@.service", paths, "1"),
            cwd=release, env=env, stdout=log, stderr=subprocess.STDOUT))
        nginx, base = start_nginx(tmp_path, servers, "/healthz", seconds=120)  # scrubber loads
        procs.append(nginx)
        ca = str(tmp_path / "cert.pem")

        one_time = run(first_password, {}).strip()
        supervisor = first_sign_in(base, ca, "supervisor", one_time)
        assert "/staff/hours" in supervisor.get(base + "/staff/hours").url  # step 9's next page

        made = run("runuser -u helpline -- /opt/helpline/current/deploy/helpline-cli flask "
                   "--app app users create anna --name Anna\n", as_root)
        anna = first_sign_in(base, ca, "anna", made.split("one-time password: ")[1].strip())
        cookie = "; ".join(f"{c.name}={c.value}" for c in anna.cookies)
        chat_through(base, ca, cookie, peers)
    finally:
        stop_processes(procs, timeout=20)
        log.close()
