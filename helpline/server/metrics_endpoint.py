"""Where Prometheus scrapes a server process: its own port, bound to 127.0.0.1 by default.

One endpoint per process (no shared multi-process files to clean up after a crash): the
process's counters (realtime/metrics.py), its open sockets, and the live figures read
from Redis at each scrape (supervision/metrics.py), the same on every process. Off
with METRICS_PORT=0. Nothing here can identify a chatter: counts and times only.
"""

from __future__ import annotations

from flask import Flask
from prometheus_client import REGISTRY, Gauge, start_http_server

from ..compat import engineio_sockets
from ..extensions import socketio
from ..supervision.metrics import LiveCollector

SOCKETS = Gauge("helpline_sockets_open", "Engine.IO sockets this process holds")


def start(app: Flask) -> int | None:
    """Serve /metrics on METRICS_HOST:METRICS_PORT; the port, or None when off or taken."""
    port = app.config["METRICS_PORT"]
    if not port:
        return None
    SOCKETS.set_function(lambda: engineio_sockets.open_sockets(socketio.server))
    REGISTRY.register(LiveCollector(app))
    try:
        start_http_server(port, addr=app.config["METRICS_HOST"])
    except OSError as exc:
        app.logger.warning("metrics not served: port %d %s (set METRICS_PORT per process)",
                           port, type(exc).__name__)
        return None
    return port
