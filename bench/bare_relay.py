"""A bare Flask-SocketIO relay: the floor that bench/relay.py compares the product against.

The same stack as the product's server process (Flask-SocketIO on gevent, WebSocket, the
Redis message queue as client manager, no access log) and nothing else: a client joins
the room of its chat pair, and every `message` it sends is re-emitted to that room,
skipping the sender. No validation, storage, sessions or rate limit.

    python bench/bare_relay.py --port 5100 --redis-url unix:///tmp/x/redis.sock
                               [--ping-interval 5 --ping-timeout 30]

The ping settings default to the product's (PING_INTERVAL_SECONDS 5, PING_TIMEOUT_SECONDS
5); bench/scale.py passes its own to all three stacks, so idle CPU compares like with like.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402

import socketio as python_socketio  # noqa: E402
from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

# Its own pub/sub channel: Redis pub/sub ignores the logical database, so a product server
# on the same Redis (channel "flask-socketio") would otherwise see these emits too.
CHANNEL = "bench-bare-relay"


def create(redis_url: str, ping_interval: float = 5,
           ping_timeout: float = 5) -> tuple[Flask, SocketIO]:
    app = Flask(__name__)
    manager = python_socketio.RedisManager(redis_url, channel=CHANNEL)
    sio = SocketIO(app, async_mode="gevent", client_manager=manager, logger=False,
                   engineio_logger=False, max_http_buffer_size=64 * 1024,
                   ping_interval=ping_interval, ping_timeout=ping_timeout,
                   transports=["websocket"])

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @sio.on("join")
    def join(data):
        join_room(f"pair:{data['pair']}")
        return {"ok": True}

    @sio.on("message")
    def message(data):
        sio.emit("message", data, to=f"pair:{data['pair']}", skip_sid=request.sid)
        return {"ok": True}

    return app, sio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--ping-interval", type=float, default=5)
    parser.add_argument("--ping-timeout", type=float, default=5)
    args = parser.parse_args()
    if not args.redis_url:
        parser.error("--redis-url (or REDIS_URL) is required")
    app, sio = create(args.redis_url, args.ping_interval, args.ping_timeout)
    sio.run(app, host=args.host, port=args.port, log_output=False, use_reloader=False)


if __name__ == "__main__":
    main()
