"""What `python app.py [all|serve|worker]` runs: the whole platform, a server, or a worker."""

from __future__ import annotations

import argparse
import gc
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import gevent
import redis
from flask import Flask, current_app
from gevent import pywsgi
from rq.serializers import JSONSerializer

from .. import __version__, compat, configure_logging, create_app, jobs, timers
from ..availability import gate, schedule
from ..compat import engineio_pings, engineio_sockets
from ..compat.pywsgi import handler_class
from ..extensions import db, socketio
from ..realtime import overload
from ..records import scrubber
from ..settings import ROOT, Config, Refusal, check_environment, in_production
from . import heartbeat, metrics_endpoint, setup
from .logs import AddressFreeLog, AnonymousHandler, install_hub_printer, report_repeats
from .redis_server import die_with_parent, publish_url


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description=__doc__)
    parser.add_argument("command", nargs="?", default="all", choices=["all", "serve", "worker"])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--version", action="version", version=f"helpline {__version__}")
    args = parser.parse_args(argv)
    check_library_patches()
    report_repeats(Config.LOG_REPEAT_SECONDS)  # counts of repeated log lines, even when quiet
    if args.command == "worker":
        return run_worker()
    if args.command == "serve":
        serve(checked_app(migrated=True), args.host, args.port)
        return 0
    return run_all(args.host, args.port)


def checked_app(migrated: bool = False, **options) -> Flask:
    """create_app for an entry point (app.py, and so the `flask` CLI), after the checks:
    the environment (settings.check_environment), the values (ProductionConfig.check)
    and, in production, the Redis's maxmemory and, if `migrated`, the database at the
    code's head. A refusal is one line on stderr and exit status 1, never a traceback."""
    try:
        check_environment(os.environ)
        app = create_app(**options)
        if in_production():
            setup.warn(setup.check_redis_memory(app))
            if migrated:
                with app.app_context():
                    setup.warn(setup.check_database())
    except Refusal as exc:
        raise SystemExit(f"helpline: {exc}") from None
    return app


def check_library_patches(patches: tuple[compat.Patch, ...] = compat.PATCHES) -> None:
    """Before the app is built: a warning for each library whose version differs from the
    one a patch of helpline/compat/ was written for, and a refusal in one line when a
    patch cannot apply (running without it would be unsafe)."""
    configure_logging()
    try:
        compat.check(patches)
    except compat.PatchCannotApply as exc:
        raise SystemExit(f"helpline: {exc}. See docs/architecture.md, "
                         "'Library patches'.") from None


def run_all(host: str, port: int) -> int:
    """Embedded Redis (unless REDIS_URL), migrated database, one worker, one server."""
    app = checked_app()  # starts the embedded Redis and exports REDIS_URL for the worker
    with app.app_context():
        try:
            done = [step.line for step in setup.set_up(app) if step.changed]
        except Refusal as exc:
            raise SystemExit(f"helpline: {exc}") from None
        hours_note = chat_hours_note()
    # Own session: Ctrl-C reaches only this process, which stops the worker, then Redis.
    # It dies with this process even on `kill -9` (no orphan worker holding chat ids).
    worker = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "worker"], cwd=ROOT,
                              start_new_session=True, preexec_fn=die_with_parent(signal.SIGTERM))
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    print(f"\n  Chat (anonymous chatters): http://{shown}:{port}/")
    print(f"  Staff console:             http://{shown}:{port}/staff/")
    for line in done:  # what the first-run set-up did (flask --app app setup's steps)
        print(f"  {line}")
    print(f"  {hours_note}")
    if app.config["METRICS_PORT"]:
        print(f"  Metrics (Prometheus, this machine only): "
              f"http://{app.config['METRICS_HOST']}:{app.config['METRICS_PORT']}/metrics")
    print("  Ctrl-C stops the server, the worker and the embedded Redis.\n", flush=True)
    try:
        serve(app, host, port)
    except KeyboardInterrupt:
        pass
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
    return 0


def chat_hours_note() -> str:
    """Say whether chatters can start now, so a first try outside the hours is no surprise."""
    if current_app.config["CHAT_ALWAYS_OPEN"]:
        return "Chat open at any hour (CHAT_ALWAYS_OPEN=1); a therapist must be on duty."
    now = datetime.now(UTC)
    if gate.chat_taking_new(db.session, now):
        return "The chat is open now; chatters are taken once a therapist is on duty."
    hours = gate.load_hours(db.session, now)
    nxt = schedule.next_opening(hours.slots, hours.exceptions, "chat", now, gate.timezone())
    when = nxt.astimezone(gate.timezone()).strftime("%a %d %b %H:%M") if nxt else "not scheduled"
    return (f"The chat is closed now (opens next: {when}; hours at /staff/hours).\n"
            "  To try it at any hour: CHAT_ALWAYS_OPEN=1 make run")


# The collector's thresholds in a server process (Python's default: 700, 10, 10).
# Under load, objects of messages still in flight (greenlet frames, queued packets) were
# caught alive by the frequent young passes and promoted, so the full pass ran every ~3.5 s
# and stopped the process for ~220 ms at 2,000 live chats: the relay's p99 231 ms. With a
# young generation of 5,000 most die before a pass sees them and full passes come only
# after 100 middle ones: p99 24 ms, same RSS (docs/benchmarks.md, "Scale").
GC_THRESHOLDS = (5000, 10, 100)
WORKER_RESTART_SECONDS = 2  # after RQ's loop lost Redis, before it starts again


def freeze_startup_heap() -> None:
    """Move everything built at start-up (modules, app, config) out of the collector's
    reach: full GC passes then walk only what the chats allocate (issue 11: passes of up
    to 93 ms under load), and forked memory pages are not touched by GC writes. Then
    the thresholds above, so that full passes are rare."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def lighter_greenlets() -> None:
    """Greenlets without gevent's spawn-tree bookkeeping (a copy of the spawning stack,
    the spawner and its locals per greenlet, kept for debugging tools this server never
    runs): about 30 small objects per socket, and the stack walk at every spawn."""
    gevent.config.track_greenlet_tree = False


def load_scrubber() -> None:
    """The identity scrubber's models load before the first socket, once per process;
    a server that cannot scrub refuses to start rather than file notes unscrubbed."""
    try:
        scrubber.load()
    except scrubber.ScrubberUnavailable as exc:
        raise SystemExit(f"helpline: {exc}. Nothing may be filed unscrubbed: "
                         "run `make deps` (docs/operations.md, 'The identity scrubber').") from None


def serve(app: Flask, host: str, port: int) -> None:
    """One gevent server process; no access log, no peer address, fixed-text errors.

    SIGINT and SIGTERM stop the server cleanly, so the caller can stop what it started.
    """
    if app.extensions.get("helpline_embedded_redis_started"):
        publish_url(app.config["REDIS_URL"])  # `flask users deactivate` reaches this Redis

    server = None  # until it serves, a signal has nothing to stop

    def stop() -> None:
        if server is not None and not app.extensions.get("helpline_draining"):
            gevent.spawn(graceful_stop, app, server)

    install_hub_printer()
    gevent.signal_handler(signal.SIGINT, stop)
    gevent.signal_handler(signal.SIGTERM, stop)
    if app.config["SCRUBBER_PRELOAD"]:
        load_scrubber()
    lighter_greenlets()
    engineio_pings.install()  # no sleeping greenlet per socket between pings
    heartbeat.start(app)  # this process's heartbeat, and the sweep after dead ones
    overload.start(socketio)  # the event loop's lag: newcomers refused while it is high
    metrics_endpoint.start(app)  # /metrics on its own port (METRICS_PORT, localhost)
    freeze_startup_heap()
    # What Flask-SocketIO's `run` does in gevent mode, with gevent's public server.
    server = pywsgi.WSGIServer(
        (host, port), app, log=None, error_log=AddressFreeLog(),
        handler_class=handler_class(app.config["HEADER_TIMEOUT_SECONDS"], base=AnonymousHandler))
    server.serve_forever()


def graceful_stop(app: Flask, server) -> None:
    """SIGTERM or SIGINT: stop taking connections, tell every client to reconnect (behind
    nginx they land on another process and resume), let in-flight events finish, go.

    /readyz answers 503 from the first moment. Closing the Engine.IO connections is a
    network blip to a client: it reconnects by itself; each close runs the normal
    disconnect handlers (a chatter's grace starts, and ends when they resume elsewhere).
    The process is gone within GRACEFUL_STOP_SECONDS."""
    app.extensions["helpline_draining"] = True
    server.close()  # the listening socket: new connections go to the other processes
    held = engineio_sockets.open_sockets(socketio.server)
    app.logger.warning("stopping: %d connection(s) told to reconnect elsewhere", held)
    with app.app_context():
        socketio.server.eio.disconnect()
    deadline = time.monotonic() + app.config["GRACEFUL_STOP_SECONDS"]
    while engineio_sockets.open_sockets(socketio.server) and time.monotonic() < deadline:
        gevent.sleep(0.1)
    gevent.sleep(min(1.0, max(0.0, deadline - time.monotonic())))  # in-flight requests
    server.stop(timeout=max(0.1, deadline - time.monotonic()))


def run_worker() -> int:
    """An RQ worker inside an app context, with the timer pump (jobs.Pump) beside it.

    A lost Redis connection ends RQ's loop; the worker waits and starts it again, so a
    Redis restart needs nothing (timers wait in Redis meanwhile, or in the servers' hands).
    """
    app = checked_app(migrated=True, overrides={
        "SOCKETIO_WRITE_ONLY": True, "SOCKETIO_ASYNC_MODE": "threading",
        "LINE_BROADCAST_DELAY": 0})
    # RQ's scheduler (only for jobs planned before timers.py) is a forked child of this
    # worker: tie it to us, or a worker killed with -9 leaves it running against Redis.
    os.register_at_fork(after_in_child=die_with_parent(signal.SIGTERM))
    with app.app_context():
        pump = jobs.Pump(app, secrets.token_hex(8))
        pump.start()
        while True:
            # Registries are cleaned every MAINTENANCE_SECONDS: a job abandoned by a killed
            # worker is found there and retried; its timer is due again after the lease.
            worker = None
            try:  # RQ's constructor talks to Redis too
                worker = jobs.AppWorker([timers.queue()],
                                        connection=app.extensions["helpline_rq_redis"],
                                        serializer=JSONSerializer,
                                        maintenance_interval=jobs.MAINTENANCE_SECONDS)
                worker.work(with_scheduler=True, logging_level="WARNING")
            except redis.exceptions.RedisError as exc:
                app.logger.warning("worker could not start: %s", type(exc).__name__)
            if worker is not None and worker.stop_asked:
                return 0
            app.logger.warning("worker loop ended (Redis away?): starting again in %d s",
                               WORKER_RESTART_SECONDS)
            time.sleep(WORKER_RESTART_SECONDS)

