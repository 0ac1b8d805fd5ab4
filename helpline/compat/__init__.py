"""Every place the helpline reaches into a library's internals, and the versions each was
written for.

A private name can change in any release, without notice. So each patch below names the
exact versions it was read against and the names it relies on, and `check()` runs at
server and worker start: another version logs one warning per library and patch, naming
what to revisit; a name that is gone stops the process, because the patch cannot apply
and running without it would be unsafe (pings, anonymous logs, strict packets). Each
name has a contract test in tests/compat/test_contracts.py. Why each patch exists, and
what would make it unnecessary upstream: docs/architecture.md, "Library patches".
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata

log = logging.getLogger("helpline.compat")


@dataclass(frozen=True)
class Patch:
    """One module of helpline/compat/: the library versions it was written for, the names
    it touches (`module:Class.name`, checked at start) and the instance attributes it
    reads or sets (`Class().name`, checked by the contract tests only)."""

    module: str
    versions: Mapping[str, str]
    names: tuple[str, ...]
    attributes: tuple[str, ...] = ()

    def touches(self) -> tuple[str, ...]:
        return self.names + self.attributes


PATCHES = (
    Patch("engineio_pings", {"python-engineio": "4.15.1"},
          ("engineio.socket:Socket.schedule_ping", "engineio.socket:Socket._send_ping"),
          ("engineio.socket:Socket().last_ping", "engineio.socket:Socket().closing",
           "engineio.socket:Socket().closed", "engineio.socket:Socket().server")),
    Patch("engineio_frames", {"python-engineio": "4.15.1"},
          ("engineio.packet:Packet.decode", "engineio.socket:Socket.receive")),
    Patch("engineio_sockets", {"python-engineio": "4.15.1"},
          (), ("engineio:Server().sockets",)),
    Patch("socketio_packets", {"python-socketio": "5.18.1", "python-engineio": "4.15.1"},
          ("socketio.server:Server._handle_eio_message", "socketio.packet:Packet.decode",
           "socketio.packet:Packet.add_attachment", "engineio:Server.on"),
          ("socketio:Server().packet_class",)),
    Patch("socketio_manager", {"python-socketio": "5.18.1"},
          ("socketio.pubsub_manager:PubSubManager._publish",
           "socketio.pubsub_manager:PubSubManager._listen",
           "socketio.pubsub_manager:PubSubManager._handle_emit",
           "socketio.pubsub_manager:PubSubManager._thread",
           "socketio.redis_manager:RedisManager._publish",
           "socketio.redis_manager:RedisManager._listen"),
          ("socketio:RedisManager().host_id", "socketio:RedisManager().json",
           "socketio:RedisManager().write_only", "socketio:RedisManager().server")),
    Patch("socketio_rooms", {"python-socketio": "5.18.1"},
          ("socketio.base_manager:BaseManager.basic_enter_room",
           "socketio.base_manager:BaseManager.basic_leave_room",
           "socketio.base_manager:BaseManager.basic_disconnect",
           "socketio.base_manager:BaseManager.get_rooms"),
          ("socketio:Manager().rooms", "socketio:Manager().callbacks",
           "socketio:Manager().pending_connect", "socketio:Manager().pending_disconnect")),
    Patch("pywsgi", {"gevent": "26.9.0", "simple-websocket": "1.1.0"},
          ("gevent.pywsgi:WSGIHandler._handle_client_error",
           "gevent.pywsgi:WSGIHandler._log_error", "gevent.pywsgi:WSGIHandler.__init__",
           "gevent.pywsgi:WSGIHandler.handle_one_request",
           "gevent.pywsgi:WSGIHandler.read_request"),
          ("gevent.pywsgi:WSGIHandler().rfile",)),
    Patch("gevent_hub", {"gevent": "26.9.0"}, ("gevent.hub:Hub.print_exception",)),
    Patch("rq_worker", {"rq": "3.0.0"}, ("rq.worker:SimpleWorker.perform_job",)),
    Patch("werkzeug_rules", {"werkzeug": "3.1.9"},
          ("werkzeug.routing.rules:Rule._compile_builder",),
          ("werkzeug.routing:Rule()._trace",)),
)


class PatchCannotApply(RuntimeError):
    """A name a patch relies on is gone: the process must not run without the patch."""


def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution, None when it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _found(distribution: str, version: str | None) -> str:
    return f"{distribution} {version} installed" if version else f"{distribution} not installed"


def resolves(name: str) -> bool:
    """Whether `module:Attr.attr` still names something."""
    module, _, path = name.partition(":")
    try:
        target = importlib.import_module(module)
        for part in path.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError):
        return False
    return True


def check(patches: tuple[Patch, ...] = PATCHES,
          installed: Callable[[str], str | None] = installed_version) -> list[str]:
    """Warn once per patch and library whose installed version is not the one the patch was
    written for; raise PatchCannotApply when a name it relies on is gone. Returns the
    warnings (fixed texts: names and versions only)."""
    warnings = []
    for patch in patches:
        where = f"library patch helpline/compat/{patch.module}.py"
        found = {dist: installed(dist) for dist in patch.versions}
        gone = [name for name in patch.names if not resolves(name)]
        if gone:
            versions = ", ".join(f"{_found(dist, found[dist])} (written for {expected})"
                                 for dist, expected in patch.versions.items())
            raise PatchCannotApply(f"{where} cannot apply: {', '.join(gone)} gone with "
                                   f"{versions}")
        warnings += [f"{where}: {_found(dist, found[dist])}, written for {expected}; "
                     f"revisit {', '.join(patch.touches())}"
                     for dist, expected in patch.versions.items() if found[dist] != expected]
    for line in warnings:
        log.warning("%s", line)
    return warnings
