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
        app.logger.error("request failed: %s on %s", type(exc).__name__, request.path)
        return http_error(InternalServerError())
