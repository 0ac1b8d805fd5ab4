"""Issue 18: one version number (helpline/__init__.py), printed by the CLI and named in
CHANGELOG.md; never shown to the public (the health endpoints stay without it)."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import pytest

from helpline import __version__
from tests.conftest import ROOT


@pytest.mark.once
def test_app_py_prints_the_version():
    done = subprocess.run([sys.executable, "app.py", "--version"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, f"helpline {__version__}")


def test_flask_version_prints_it(app):
    result = app.test_cli_runner().invoke(args=["version"])
    assert (result.exit_code, result.output) == (0, f"{__version__}\n")


@pytest.mark.once
def test_pyproject_reads_the_version_from_the_package():
    pyprojecttoml = pytest.importorskip("setuptools.config.pyprojecttoml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # [tool.setuptools] is "beta" in older setuptools
        project = pyprojecttoml.read_configuration(ROOT / "pyproject.toml", expand=True)
    assert project["project"]["version"] == __version__


@pytest.mark.once
def test_the_changelog_has_this_version_and_an_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d\d-\d\d$", text, re.M)
    assert text.index("## [Unreleased]") < text.index(f"## [{__version__}]")


def test_the_public_health_answers_do_not_carry_the_version(app):
    http = app.test_client()
    for path in ("/livez", "/readyz", "/healthz"):
        assert __version__ not in http.get(path).get_data(as_text=True)
