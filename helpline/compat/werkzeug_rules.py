"""URL builders made once per process, not once per app.

Werkzeug turns every route into two small Python functions that build its URLs, by
writing their source as a syntax tree and compiling it (`Rule._compile_builder`, called
from the public `Rule.compile` each time a rule joins a map). A server makes its app once,
but the test suite makes one per test: compiling the builders was about 60 % of
`create_app` (issue 15). The function depends only on the rule's text, its parts and the
names of its defaults, so `CachedBuilderRule` keeps one per such key and every later map
binds the same function to its own rule (the builder reads converters through the rule it
is bound to). A rule with a default for one of its own variables folds the converted
value into the code: those are compiled each time, as werkzeug does.

Set as Flask's documented `url_rule_class` (helpline/realtime/context.py). Upstream, the
same cache in werkzeug would make every app in a process cheaper to build.
"""

from __future__ import annotations

from werkzeug.routing import Rule

_BUILDERS: dict[tuple, object] = {}


class CachedBuilderRule(Rule):
    """A Rule whose URL builder functions are compiled once per process."""

    def _compile_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        if any(is_dynamic and part in defaults for is_dynamic, part in self._trace):
            return super()._compile_builder(append_unknown)
        key = (append_unknown, self.rule, tuple(self._trace), tuple(defaults))
        builder = _BUILDERS.get(key)
        if builder is None:
            builder = _BUILDERS[key] = super()._compile_builder(append_unknown)
        return builder
