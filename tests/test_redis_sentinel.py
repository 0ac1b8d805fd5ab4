"""Redis failover through Sentinel: one REDIS_URL for every Redis user, and a platform that
goes on without a restart when the primary dies (helpline/server/redis_client.py).

The cluster is this test's own: a primary, one replica and three sentinels (quorum 2) on
free ports of 127.0.0.1, nothing saved to disk, a password on the data nodes. In a
failover the replica's copy survives (unlike a Redis restart, tests/test_redis_restart.py):
each server process notices another Redis server answers, closes every connection as
after a restart, and its clients reconnect and resume the same chats.
"""

from __future__ import annotations

import secrets
import signal
import subprocess

import pytest
import redis
from cryptography.fernet import Fernet
from redis.sentinel import Sentinel

from helpline import create_app
from helpline.admin import accounts
from helpline.extensions import db, socketio
from helpline.server import heartbeat, redis_client
from helpline.server.redis_server import die_with_parent, redis_executable
from tests.conftest import PASSWORD, STARTED_LOGS, LiveServers, eventually, free_port
from tests.peers import staff_cookie

SERVICE = "helpline"
SECRET = "sentinel-test-pw"  # requirepass of the data nodes (not a URL-special character)


class SentinelCluster:
    """A primary, a replica and three sentinels, each a redis-server of this test."""

    def __init__(self, tmp_path):
        self.dir = tmp_path / "cluster"
        self.dir.mkdir()
        self.log = self.dir / "redis.log"
        STARTED_LOGS.append(self.log)  # shown when the test fails
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports = {name: free_port() for name in
                      ("primary", "replica", "sentinel1", "sentinel2", "sentinel3")}
        self._data_node("primary")
        self._data_node("replica", "--replicaof", "127.0.0.1", str(self.ports["primary"]))
        for name in ("sentinel1", "sentinel2", "sentinel3"):
            self._sentinel(name)
        self.url = (f"redis+sentinel://:{SECRET}@" + ",".join(
            f"127.0.0.1:{self.ports[f'sentinel{i}']}" for i in (1, 2, 3)) + f"/0/{SERVICE}")
        eventually(self._ready, timeout=60, what="the replica and three sentinels in step")

    def _start(self, name: str, args: list[str]) -> None:
        with self.log.open("ab") as log:
            self.procs[name] = subprocess.Popen(
                [redis_executable(), *args], stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent(signal.SIGKILL))

    def _data_node(self, name: str, *extra: str) -> None:
        workdir = self.dir / name
        workdir.mkdir()
        self._start(name, ["--port", str(self.ports[name]), "--bind", "127.0.0.1",
                           "--save", "", "--appendonly", "no", "--dir", str(workdir),
                           "--requirepass", SECRET, "--masterauth", SECRET, *extra])

    def _sentinel(self, name: str) -> None:
        """Its own config file: a sentinel rewrites it with what it learns."""
        conf = self.dir / f"{name}.conf"
        conf.write_text(
            f"port {self.ports[name]}\nbind 127.0.0.1\ndir {self.dir}\n"
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.ports['primary']} 2\n"
            f"sentinel auth-pass {SERVICE} {SECRET}\n"
            f"sentinel down-after-milliseconds {SERVICE} 1000\n"
            f"sentinel failover-timeout {SERVICE} 3000\n")
        self._start(name, [str(conf), "--sentinel"])

    def node(self, name: str) -> redis.Redis:
        return redis.Redis(port=self.ports[name], password=SECRET, socket_timeout=5)

    def sentinels(self) -> list[redis.Redis]:
        return [redis.Redis(port=self.ports[f"sentinel{i}"], socket_timeout=5,
                            decode_responses=True) for i in (1, 2, 3)]

    def _ready(self) -> bool:
        """The replica copies the primary, and every sentinel knows it and the other two."""
        try:
            if self.node("replica").info("replication")["master_link_status"] != "up":
                return False
            masters = [s.sentinel_master(SERVICE) for s in self.sentinels()]
        except (redis.RedisError, KeyError):
            return False
        return all(m["num-slaves"] == 1 and m["num-other-sentinels"] == 2 for m in masters)

    def primary_port(self) -> set[int]:
        """The primary's port as each sentinel names it (one port once they agree)."""
        return {int(s.sentinel_get_master_addr_by_name(SERVICE)[1]) for s in self.sentinels()}

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.kill()
            proc.wait()


@pytest.fixture
def cluster(tmp_path):
    made = SentinelCluster(tmp_path)
    yield made
    made.stop()


# -- the URL: one form, one parser, every user ------------------------------------------

URL = "redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26380/3/mymaster"


def test_a_sentinel_url_is_read_as_python_socketio_reads_it():
    target = redis_client.sentinel_target(URL)
    assert target.sentinels == (("10.0.0.1", 26379), ("10.0.0.2", 26379), ("10.0.0.3", 26380))
    assert (target.service, target.db, target.credentials) == ("mymaster", 3, {"password": "pw"})
    # every process of a helpline on the same URL gets the same message-queue channel,
    # the database's, as with a plain URL
    assert redis_client.channel_for(URL) == redis_client.channel_for("redis://other:6379/3")
    assert redis_client.channel_for(URL.replace("/3/", "/0/")) == "helpline:socketio:0"


@pytest.mark.parametrize("url", [
    "redis+sentinel://10.0.0.1:26379/0",  # no service: python-socketio would use its channel
    "redis+sentinel://10.0.0.1/0/mymaster",  # no port
    "redis+sentinel://10.0.0.1:26379/zero/mymaster",
])
def test_a_sentinel_url_it_would_misread_is_refused_at_start(url):
    with pytest.raises(ValueError, match="REDIS_URL"):
        redis_client.client(url)
    with pytest.raises(ValueError, match="REDIS_URL"):
        redis_client.manager_options(url)


def test_production_takes_a_sentinel_url_for_all_three_users():
    """The live state, RQ and the Socket.IO queue all go through the sentinels (nothing
    connects before the first command)."""
    app = create_app("production", overrides={
        "SECRET_KEY": secrets.token_urlsafe(48), "REDIS_URL": URL,
        "TOTP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "MESSAGE_KEYS_DIR": "/nonexistent/message-keys",
        "SQLALCHEMY_DATABASE_URI": "sqlite://", "SOCKETIO_ASYNC_MODE": "threading"})
    for name in ("helpline_redis", "helpline_rq_redis"):
        pool = app.extensions[name].connection_pool
        assert isinstance(pool, redis_client.SentinelBlockingConnectionPool)
        assert pool.service_name == "mymaster"
        assert pool.connection_kwargs["db"] == 3
    manager = socketio.server.manager
    assert (manager.redis_url, manager.channel) == (URL, "helpline:socketio:3")
    with pytest.raises(ValueError, match="service"):
        create_app("production", overrides={
            "SECRET_KEY": secrets.token_urlsafe(48), "REDIS_URL": "redis+sentinel://h:1/0",
            "TOTP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "MESSAGE_KEYS_DIR": "/nonexistent/message-keys",
            "SQLALCHEMY_DATABASE_URI": "sqlite://", "SOCKETIO_ASYNC_MODE": "threading"})


def test_another_redis_server_makes_a_process_start_afresh(app, ctx, r):
    """A failover keeps the keys, heartbeat included: the server's id tells it apart."""
    with ctx():
        heartbeat.join(r, 15)
        old = heartbeat.process_id()
        heartbeat.tick(r)
        assert heartbeat.process_id() == old  # the same server: nothing happens
        app.extensions["helpline_redis_server"] = "the former primary's run_id"
        heartbeat.tick(r)
        assert heartbeat.process_id() != old


@pytest.mark.once  # its own Redis processes: see tests/conftest.py
def test_the_clients_reach_the_primary_and_leave_it_when_it_hangs(cluster):
    """Through the sentinels to the primary; a full pool makes callers wait. Then a primary
    whose host vanished, which answers nothing and resets nothing (here: stopped): a
    command on it gives up after redis-py's 5 s, not when TCP gives up (minutes), and the
    next one reaches the primary the sentinels promoted."""
    live = redis_client.client(cluster.url.replace("/0/", "/2/"), decode_responses=True)
    assert live.set("k", "v") and live.get("k") == "v"
    primary = cluster.node("primary")
    assert primary.execute_command("SELECT", 2) and primary.get("k") == b"v"
    assert redis_client.server_id(live) == primary.info("server")["run_id"]
    # a full pool: the next caller waits for a connection (and here gives up), not
    # "Too many connections" at once as redis-py's own Sentinel pool does
    small = Sentinel([("127.0.0.1", cluster.ports["sentinel1"])]).master_for(
        SERVICE, connection_pool_class=redis_client.SentinelBlockingConnectionPool,
        max_connections=1, timeout=0.05, password=SECRET)
    held = small.connection_pool.get_connection()
    with pytest.raises(redis.ConnectionError, match="No connection available"):
        small.ping()
    small.connection_pool.release(held)
    assert small.ping()

    assert primary.wait(1, 10_000) == 1
    cluster.procs["primary"].send_signal(signal.SIGSTOP)
    eventually(lambda: cluster.primary_port() == {cluster.ports["replica"]},
               timeout=60, what="the sentinels naming the replica the new primary")

    def reads() -> bool:
        try:
            return live.get("k") == "v"
        except redis.RedisError:  # a timeout on the stopped one, then the new one
            return False

    eventually(reads, timeout=60, what="a read from the new primary")
    assert redis_client.server_id(live) == cluster.node("replica").info("server")["run_id"]


# -- the failover ------------------------------------------------------------------------

# Short heartbeats and graces, and a process TTL longer than any failover here: the
# process's own key survives it, so what closes the connections is the new server's id.
SHORT = {"HEARTBEAT_SECONDS": "1", "PROCESS_TTL_SECONDS": "60", "RESUME_GRACE_SECONDS": "3",
         "STAFF_GRACE_SECONDS": "30"}


@pytest.mark.once
@pytest.mark.timeout(240)
def test_the_platform_goes_on_through_a_failover(cluster, tmp_path, peers):
    database = f"sqlite:///{tmp_path / 'failover.sqlite'}"
    setup = create_app("testing", overrides={"REDIS_URL": cluster.url,
                                             "SQLALCHEMY_DATABASE_URI": database})
    with setup.app_context():
        db.create_all()
        accounts.create_staff(db.session, "anna", "Anna", "therapist", PASSWORD)
    servers = LiveServers(cluster.url, database, tmp_path, count=1, env=SHORT)
    try:
        url, server = servers.urls[0], servers.procs[0]
        anna = peers(url, "/staff", cookie=staff_cookie(url, "anna"))
        assert anna.call("duty", {"on": True, "capacity": 2})["ok"]
        chatter = peers(url, "/chat")
        before = chatter.call("start", {})
        chatter.wait_for("assigned")
        first = chatter.call("message", {"text": "before the failover"})
        anna.wait_for("message", lambda d: d["id"] == first["id"])
        primary = cluster.node("primary")
        assert primary.wait(1, 10_000) == 1  # the replica has every write so far
        seen = {"anna": len(anna.received), "chatter": len(chatter.received)}

        cluster.procs["primary"].kill()  # SIGKILL
        cluster.procs["primary"].wait()
        eventually(lambda: cluster.primary_port() == {cluster.ports["replica"]},
                   timeout=60, what="the sentinels naming the replica the new primary")

        # What the users saw: their connection closed with no event before it, as after a
        # Redis restart; the server process noticed by itself. (Anna's console connected
        # first and is closed first; a console closed after its chatter's socket gets
        # `chatter_connection {connected: false}` first, as in any drop.)
        eventually(lambda: not anna.sio.connected and not chatter.sio.connected,
                   what="the connections closed by the server")
        assert anna.received[seen["anna"]:] == []
        assert chatter.received[seen["chatter"]:] == []

        # They reconnect: unlike a restart, nothing was lost.
        anna = peers(url, "/staff", cookie=staff_cookie(url, "anna"))
        state = anna.wait_for("state")
        assert state["on_duty"] is True
        assert [c["chat_id"] for c in state["chats"]] == [before["chat_id"]]
        chatter = peers(url, "/chat")
        resumed = chatter.call("resume", {"token": before["token"], "last_id": None})
        assert resumed["ok"] and resumed["state"] == "active"
        assert [m["text"] for m in resumed["messages"]] == ["before the failover"]
        sent = chatter.call("message", {"text": "after the failover"})
        anna.wait_for("message", lambda d: d["id"] == sent["id"])
        reply = anna.call("message", {"chat_id": before["chat_id"], "text": "still here"})
        chatter.wait_for("message", lambda d: d["id"] == reply["id"])

        # A new chat starts, and the worker's timed job still runs (through the queue).
        newcomer = peers(url, "/chat")
        after = newcomer.call("start", {})
        assert newcomer.wait_for("assigned")["therapist"] == "Anna"
        hello = newcomer.call("message", {"text": "hello"})
        anna.wait_for("message", lambda d: d["id"] == hello["id"])
        newcomer.close()
        anna.wait_for("chat_ended", lambda d: d == {"chat_id": after["chat_id"], "by": "system",
                                                   "reason": "connection_lost"}, timeout=60)
        assert server.poll() is None and servers.procs[1].poll() is None  # no restart
        assert "another Redis server answers" in servers.log.read_text()
    finally:
        servers.stop()
