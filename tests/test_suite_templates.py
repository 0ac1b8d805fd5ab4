"""The suite's own machinery: Jinja compiles each template once for the whole run
(tests/conftest.py, CompiledOnce), not once per test's app."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from helpline import create_app
from tests.conftest import TEMPLATES


def test_a_template_compiled_by_one_app_is_not_compiled_again_by_the_next(app, redis_url):
    app.jinja_env.get_template("error.html")
    other = create_app("testing", overrides={"REDIS_URL": redis_url})
    other.jinja_env.bytecode_cache = TEMPLATES
    compiled = []
    compile_source = other.jinja_env.compile

    def counting_compile(*args, **kwargs):
        compiled.append(args)
        return compile_source(*args, **kwargs)

    other.jinja_env.compile = counting_compile
    other.jinja_env.get_template("error.html")
    assert compiled == []


def test_a_changed_source_is_compiled_anew():
    """Jinja checks every cached entry against the template's source."""
    first = Environment(loader=DictLoader({"t.html": "one"}), bytecode_cache=TEMPLATES)
    assert first.get_template("t.html").render() == "one"
    second = Environment(loader=DictLoader({"t.html": "two"}), bytecode_cache=TEMPLATES)
    assert second.get_template("t.html").render() == "two"
