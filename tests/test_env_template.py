"""deploy/helpline.env.example lists every setting the code reads from the environment,
and used as it is, production refuses it until its CHANGE_ME values are replaced."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

import pytest

from helpline import settings
from tests.conftest import ROOT

pytestmark = pytest.mark.once  # no database, no Redis: tests/conftest.py

TEMPLATE = ROOT / "deploy" / "helpline.env.example"
# `NAME=value` sets a setting; `#NAME=value` shows it at its default.
ENTRY = re.compile(r"^(#?)([A-Z][A-Z0-9_]*)=(.*)$")


def template() -> list[tuple[str, str, bool]]:
    """(name, value, set) for each entry, in the file's order."""
    entries = []
    for line in TEMPLATE.read_text().splitlines():
        match = ENTRY.match(line)
        if match:
            entries.append((match[2], match[3], not match[1]))
    return entries


def names_read_by_settings() -> set[str]:
    """Every constant name settings.py passes to os.environ.get or an _env_* reader."""
    tree = ast.parse((ROOT / "helpline" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            continue
        called = ast.unparse(node.func)
        if called in ("os.environ.get", "os.getenv") or called.startswith("_env_"):
            names.add(node.args[0].value)
    return names


def test_every_setting_read_from_the_environment_is_in_the_template():
    read = names_read_by_settings()
    assert {"SECRET_KEY", "DATABASE_URL", "HELPLINE_ENV", "LOGIN_DEVICE_FAILURES"} <= read
    listed = [name for name, _, _ in template()]
    assert sorted(read - set(listed)) == []
    assert len(listed) == len(set(listed)), "a setting is listed twice"


def test_the_template_sets_what_production_requires_and_leaves_no_secret():
    entries = {name: (value, active) for name, value, active in template()}
    for name in settings.REQUIRED_IN_PRODUCTION + ("HELPLINE_ENV",):
        assert entries[name][1] and entries[name][0], name
    assert entries["HELPLINE_ENV"][0] == "production"
    assert entries["SECRET_KEY"][0] == settings.PLACEHOLDER
    assert entries["TOTP_ENCRYPTION_KEYS"][0] == settings.PLACEHOLDER
    # The database is reached as the service user over the local socket: no password here.
    assert entries["DATABASE_URL"][0].startswith("postgresql+psycopg://helpline@/")


def test_the_template_as_it_is_is_refused_naming_its_first_placeholder(tmp_path):
    """The real entry point with the template's settings: one line, no traceback. REDIS_URL
    points nowhere (not at the machine's Redis): the refusal comes before any connection."""
    active = {name: value for name, value, is_set in template() if is_set}
    first = next(name for name, value in active.items() if settings.PLACEHOLDER in value)
    active["REDIS_URL"] = f"unix://{tmp_path / 'none.sock'}"
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    done = subprocess.run([sys.executable, "app.py", "serve"], cwd=ROOT, env={**env, **active},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"helpline: {first} is still CHANGE_ME: put this install's own value in the "
        f"environment file (see {settings.TEMPLATE})"]
    assert first == "SECRET_KEY"
