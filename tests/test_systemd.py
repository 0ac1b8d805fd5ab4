"""deploy/systemd/: `systemd-analyze verify` accepts the units without a word on stderr,
and they keep the settings docs/operations.md promises (hardening, the graceful stop).

`verify` checks that ExecStart's program exists, so the test copies point /opt/helpline/current at
this tree (its .venv). Skipped only when systemd-analyze is missing and CI is not set."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from helpline.settings import Config
from tests.conftest import ROOT

pytestmark = [pytest.mark.timeout(120), pytest.mark.once]  # once: see tests/conftest.py
UNITS = ROOT / "deploy" / "systemd"
NAMES = ("helpline-server@.service", "helpline-worker@.service", "helpline.target")
SERVICES = NAMES[:2]
ANALYZE = shutil.which("systemd-analyze")


def settings(name: str) -> dict[str, list[str]]:
    """Each key of a unit file with its values, in order (keys may repeat)."""
    found: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_systemd_analyze_verify_is_silent(tmp_path):
    if ANALYZE is None:
        message = "systemd-analyze is not installed (Debian: the systemd package)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    for name in NAMES:
        text = (UNITS / name).read_text()
        if name in SERVICES:
            assert ("/opt/helpline/current/.venv/bin/python /opt/helpline/current/app.py"
                    in text)
        (tmp_path / name).write_text(text.replace("/opt/helpline/current", str(ROOT)))
    done = subprocess.run(
        [ANALYZE, "verify", "helpline-server@5001.service", "helpline-worker@1.service",
         "helpline.target"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


@pytest.mark.parametrize("name", SERVICES)
def test_services_are_hardened_and_part_of_the_target(name):
    unit = settings(name)
    expected = {
        "User": "helpline", "EnvironmentFile": "/etc/helpline/helpline.env",
        "StateDirectory": "helpline", "ProtectSystem": "strict", "ProtectHome": "yes",
        "NoNewPrivileges": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
        "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "CapabilityBoundingSet": "",
        "LockPersonality": "yes", "RestrictRealtime": "yes",
        "SystemCallFilter": "@system-service", "Restart": "on-failure",
        "KillSignal": "SIGTERM", "PartOf": "helpline.target", "WantedBy": "helpline.target",
    }
    for key, value in expected.items():
        assert value in unit.get(key, []), f"{name}: {key}={value}"
    assert "RestartSec" in unit


def test_the_server_listens_on_its_instance_port_and_has_time_to_drain():
    """systemd's SIGKILL must not cut the graceful stop short (GRACEFUL_STOP_SECONDS)."""
    unit = settings("helpline-server@.service")
    assert unit["ExecStart"][0].endswith("app.py serve --host 127.0.0.1 --port %i")
    assert int(unit["TimeoutStopSec"][0]) >= Config.GRACEFUL_STOP_SECONDS + 10
    assert settings("helpline-worker@.service")["ExecStart"][0].endswith("app.py worker")
