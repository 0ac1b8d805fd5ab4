"""Socket events' request contexts, without binding and matching the URL map each time.

Flask-SocketIO pushes a Flask request context for every event, on the connection's one
WSGI environ. Each push binds the URL map to that environ and matches its path
(`/socket.io/`, which is no route: a NotFound raised and kept), the same answer for every
event of the connection (issue 21: about a tenth of what a refused event costs). The app
is a `HelplineFlask`, whose `create_url_adapter` (Flask's documented place to change how
a request's adapter is made) keeps the bound adapter, and its answer to the match, in the
environ. An HTTP request has an environ of its own, so nothing changes for pages.
"""

from __future__ import annotations

import copy

from flask import Flask
from werkzeug.exceptions import HTTPException

from ..compat.werkzeug_rules import CachedBuilderRule

ADAPTER_KEY = "helpline.url_adapter"


class MatchedOnce:
    """A bound URL adapter whose match of the request itself is worked out once; building
    URLs and any other match go to the adapter."""

    def __init__(self, adapter):
        self.adapter = adapter
        self.matched = None  # (rule, view args), or the HTTPException the match raised

    def match(self, *args, **kwargs):
        if args or kwargs != {"return_rule": True}:
            return self.adapter.match(*args, **kwargs)
        if self.matched is None:
            try:
                self.matched = self.adapter.match(return_rule=True)
            except HTTPException as exc:
                # kept for the connection's life: without the frames of this event (its
                # traceback, and the exception werkzeug raised it while handling)
                exc.__traceback__ = exc.__context__ = exc.__cause__ = None
                self.matched = exc
        if isinstance(self.matched, HTTPException):
            # A copy each time: the raised one carries this event's frames in its traceback,
            # which must go with the event (kept here, they held a request per socket).
            raise copy.copy(self.matched)
        return self.matched

    def __getattr__(self, name):
        return getattr(self.adapter, name)


class HelplineFlask(Flask):
    """Flask, with the URL adapter of a request kept in its environ (see above), and URL
    builders compiled once per process (helpline/compat/werkzeug_rules.py)."""

    url_rule_class = CachedBuilderRule

    def create_url_adapter(self, request):
        if request is None or self.config["TRUSTED_HOSTS"] is not None:
            return super().create_url_adapter(request)
        environ = request.environ
        if ADAPTER_KEY not in environ:
            environ[ADAPTER_KEY] = MatchedOnce(super().create_url_adapter(request))
        return environ[ADAPTER_KEY]
