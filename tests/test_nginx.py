"""deploy/nginx/helpline.conf, run for real: Debian's nginx with a self-signed certificate
in front of two `app.py serve` processes (production settings, PROXY_HOPS=1) sharing one
Redis; a sign-in, a CSRF-protected form and a full chat go through it over HTTPS/WSS.
The same file in front of a tiny header echo: the TLS versions and suites it accepts
(`openssl s_client`) and the client address headers it never passes on.

Skipped only when nginx is not installed and CI is not set; `.ci/run` installs it."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis as redis_lib
import requests
from cryptography.fernet import Fernet
from flask_migrate import upgrade

from helpline import create_app
from helpline.admin import accounts
from helpline.extensions import db
from helpline.server import redis_server
from tests.conftest import PASSWORD, ROOT, LiveServers, free_port, other_db
from tests.peers import sign_in

pytestmark = [pytest.mark.timeout(240), pytest.mark.once]  # once: see tests/conftest.py
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                  else None)
CONF = ROOT / "deploy" / "nginx" / "helpline.conf"
HOST = "localhost"
REDIS_DB = 5


def site_config(tmp: Path, https: int, http: int, upstreams: list[int]) -> str:
    """The shipped file with only ports, host name, certificate and log paths replaced;
    each replaced line must exist, so the test follows the file."""
    text = CONF.read_text()
    swaps = {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl default_server;": f"listen 127.0.0.1:{https} ssl default_server;",
        "listen 443 ssl;": f"listen 127.0.0.1:{https} ssl;",
        "server_name helpline.example.org;": f"server_name {HOST};",
        "/etc/ssl/certs/helpline.example.org.pem": str(tmp / "cert.pem"),
        "/etc/ssl/private/helpline.example.org.key": str(tmp / "key.pem"),
        "/var/log/nginx/": f"{tmp}/",
        "server 127.0.0.1:5001": f"server 127.0.0.1:{upstreams[0]}",
        "server 127.0.0.1:5002": f"server 127.0.0.1:{upstreams[1]}",
    }
    for old, new in swaps.items():
        assert old in text, f"{CONF.name} no longer has {old!r}"
        text = text.replace(old, new)
    return text


def main_config(tmp: Path, site: Path, connections: int = 256) -> str:
    """A minimal nginx.conf around the site file: foreground, everything in `tmp`
    (bench/scale.py --nginx asks for room for thousands of sockets)."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {tmp}/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # The http-level TLS lines of Debian's /etc/nginx/nginx.conf: the site must override them.
    debian = "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n    ssl_prefer_server_ciphers on;\n"
    return (f"{user}daemon off;\nworker_processes 1;\npid {tmp}/nginx.pid;\n"
            f"worker_rlimit_nofile {2 * connections + 64};\n"
            f"error_log {tmp}/main-error.log warn;\n"
            f"events {{ worker_connections {connections}; }}\n"
            f"http {{\n    access_log off;\n{debian}{temp}\n    include {site};\n}}\n")


def self_signed(tmp: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem"),
         "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}"],
        check=True, capture_output=True)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    need_nginx()
    tmp = tmp_path_factory.mktemp("nginx")
    # Production refuses a Redis without maxmemory (the suite's may have none) and a
    # database behind the code: its own sized Redis, a migrated database.
    own_redis, url = redis_server.start_embedded_redis()
    url = other_db(url, REDIS_DB)
    r = redis_lib.Redis.from_url(url)
    database = f"sqlite:///{tmp / 'proxied.sqlite'}"
    app = create_app("testing", overrides={"REDIS_URL": url, "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        accounts.create_staff(db.session, "anna", "Anna", "therapist", PASSWORD)
    servers = LiveServers(url, database, tmp, count=2, env={
        "HELPLINE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
        "TOTP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "PROXY_HOPS": "1", "SCRUBBER_PRELOAD": "1",
        "MESSAGE_KEYS_DIR": str(tmp / "message-keys")})  # production loads it at start
    upstreams = [int(u.rsplit(":", 1)[1]) for u in servers.urls]
    try:
        nginx, base = start_nginx(tmp, upstreams, "/healthz")
    except BaseException:
        servers.stop()
        raise
    try:
        logs = [servers.log, tmp / "helpline.error.log", tmp / "main-error.log"]
        yield {"url": base, "ca": str(tmp / "cert.pem"), "tmp": tmp, "redis": r, "logs": logs}
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        servers.stop()
        redis_server.stop_embedded_redis(own_redis)


def need_nginx() -> None:
    if NGINX is None:
        message = "nginx is not installed (apt-get install nginx-light; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def start_nginx(tmp: Path, upstreams: list[int], probe: str, seconds: float = 30
                ) -> tuple[subprocess.Popen, str]:
    """The shipped site file in front of `upstreams`, answering `probe`; (process, base URL)."""
    https = free_port()
    site = tmp / "helpline.conf"
    site.write_text(site_config(tmp, https, free_port(), upstreams))
    (tmp / "nginx.conf").write_text(main_config(tmp, site))
    self_signed(tmp)
    nginx = subprocess.Popen([NGINX, "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"https://{HOST}:{https}"
    try:
        _wait(base + probe, str(tmp / "cert.pem"), nginx, seconds)
    except BaseException:
        nginx.kill()
        nginx.wait(timeout=10)
        raise
    return nginx, base


def _wait(url: str, ca: str, nginx: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if nginx.poll() is not None:
            raise RuntimeError(f"nginx stopped: {nginx.stderr.read().decode()[-2000:]}")
        try:
            if requests.get(url, verify=ca, timeout=2).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("nginx did not answer")


def test_sign_in_and_a_csrf_form_through_the_tls_proxy(proxied):
    base, ca = proxied["url"], proxied["ca"]
    page = requests.get(base + "/staff/login", verify=ca)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    http, _ = sign_in(base, "anna", verify=ca)  # GET the form, POST with the token: 302
    assert all(c.secure for c in http.cookies)
    console = http.get(base + "/staff/")
    assert console.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', console.text).group(1)
    # Sign out is a CSRF-protected form: as a browser sends it under no-referrer.
    out = http.post(base + "/staff/logout", data={"csrf_token": token}, allow_redirects=False,
                    headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert out.status_code == 302 and out.headers["Location"].endswith("/staff/login")
    assert http.get(base + "/staff/", allow_redirects=False).status_code == 302


def test_a_full_chat_over_wss_through_the_proxy(proxied, peers):
    base, ca = proxied["url"], proxied["ca"]
    _, cookie = sign_in(base, "anna", verify=ca)
    chat_through(base, ca, cookie, peers)


def chat_through(base: str, ca: str, cookie: str, peers) -> None:
    """A whole chat over wss with Anna (signed in as `cookie`): on duty, assigned, a message
    each way, ended by her, off duty again."""
    therapist = peers(base, "/staff", cookie=cookie, verify=ca)
    therapist.wait_for("state")
    assert therapist.call("duty", {"on": True, "capacity": 1})["ok"]
    chatter = peers(base, "/chat", verify=ca)
    started = chatter.call("start", {})
    assert started["ok"]
    chat_id = started["chat_id"]
    assert chatter.wait_for("assigned")["therapist"] == "Anna"
    therapist.wait_for("chat_assigned", lambda d: d["chat_id"] == chat_id)
    hello = chatter.call("message", {"text": "Hello through the proxy"})["id"]
    therapist.wait_for("message", lambda d: d["id"] == hello)
    reply = therapist.call("message", {"chat_id": chat_id, "text": "I hear you"})["id"]
    chatter.wait_for("message", lambda d: d["id"] == reply)
    assert therapist.call("end", {"chat_id": chat_id})["ok"]
    assert chatter.wait_for("ended")["by"] == "therapist"
    assert therapist.call("duty", {"on": False})["ok"]


def test_polling_is_refused_through_the_proxy(proxied):
    response = requests.get(proxied["url"] + "/socket.io/?EIO=4&transport=polling",
                            verify=proxied["ca"])
    assert response.status_code == 400
    assert "Permissions-Policy" in response.headers


def test_the_proxy_logs_no_address(proxied):
    """Runs after the others: the access log has their requests, and no client address."""
    log = (proxied["tmp"] / "helpline.access.log").read_text()
    assert "/staff/login" in log and "/socket.io/" in log
    assert "127.0.0.1" not in log and "::1" not in log
    assert "EIO=" not in log  # no query strings (the engine.io id)


# ---- The same site file in front of a header echo: TLS and the headers passed on ----

# Headers that carry a client's address (set by clients, CDNs and other proxies).
ADDRESS_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded", "True-Client-IP",
                   "CF-Connecting-IP", "X-Client-IP", "X-Cluster-Client-IP", "Fastly-Client-IP")


class HeaderEcho(BaseHTTPRequestHandler):
    """Answers any GET with the request headers it received, as JSON."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = json.dumps([[name, value] for name, value in self.headers.items()]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """No request log (it would name the peer)."""


@pytest.fixture(scope="module")
def echoed(tmp_path_factory):
    need_nginx()
    tmp = tmp_path_factory.mktemp("nginx-echo")
    echo = ThreadingHTTPServer(("127.0.0.1", 0), HeaderEcho)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    port = echo.server_address[1]
    try:
        nginx, base = start_nginx(tmp, [port, port], "/")
        try:
            yield {"url": base, "ca": str(tmp / "cert.pem"), "echo": f"http://127.0.0.1:{port}",
                   "port": int(base.rsplit(":", 1)[1]),
                   "logs": [tmp / "helpline.error.log", tmp / "main-error.log"]}
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
    finally:
        echo.shutdown()
        echo.server_close()


def handshake(port: int, *options: str) -> subprocess.CompletedProcess:
    """`openssl s_client` to the site with these options; no request is sent."""
    return subprocess.run(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", HOST, *options],
        input=b"", capture_output=True, timeout=30, check=False)


@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
def test_tls_1_3_and_1_2_are_accepted(echoed, version):
    done = handshake(echoed["port"], version)
    name = {"-tls1_3": "TLSv1.3", "-tls1_2": "TLSv1.2"}[version]
    assert done.returncode == 0, done.stderr.decode()[-500:]
    assert f"New, {name}, Cipher is " in done.stdout.decode()


def test_tls_1_1_is_refused_for_its_version(echoed):
    """The client offers TLS 1.1 with any suite (security level 0); nginx answers with the
    protocol_version alert. Debian's http-level `ssl_protocols` (TLSv1, TLSv1.1) would
    let the handshake on to fail later on the suites: that is not the version refused."""
    done = handshake(echoed["port"], "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0")
    assert done.returncode != 0
    assert "alert protocol version" in done.stderr.decode()


@pytest.mark.parametrize("suite", ["AES128-SHA256", "AES256-GCM-SHA384"])
def test_suites_without_forward_secrecy_are_refused(echoed, suite):
    """RSA key exchange (no ECDHE/DHE): a recorded session could be decrypted later with
    the server's key. nginx's own default (HIGH:!aNULL:!MD5) accepts both."""
    done = handshake(echoed["port"], "-tls1_2", "-cipher", suite)
    assert done.returncode != 0
    assert "alert handshake failure" in done.stderr.decode()


@pytest.mark.parametrize("path", ["/", "/socket.io/?EIO=4&transport=websocket"])
def test_client_address_headers_never_reach_the_app(echoed, path):
    sent = {name: f"203.0.113.{number}" for number, name in enumerate(ADDRESS_HEADERS, 1)}
    direct = requests.get(echoed["echo"] + path, headers=sent, timeout=10).json()
    assert {name.lower() for name, _ in direct} >= {name.lower() for name in sent}  # the echo
    received = requests.get(echoed["url"] + path, headers=sent, verify=echoed["ca"],
                            timeout=10).json()
    names = {name.lower() for name, _ in received}
    assert "x-forwarded-proto" in names  # what the proxy does pass on
    assert not names & {name.lower() for name in ADDRESS_HEADERS}
    assert not [value for _, value in received if "203.0.113." in value]
