"""Error pages: a clear page for every HTTP error, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.accept_mimetypes.best == "application/json":
            return {"ok": False, "code": exc.code, "message": exc.description}, exc.code
        return render_template("error.html", error=exc), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # The route's pattern, not the path: a path is bytes a client chose.
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        app.logger.error("request failed: %s on %s", type(exc).__name__, rule)
        return http_error(InternalServerError())
