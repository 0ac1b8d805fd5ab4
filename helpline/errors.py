"""Error pages: a clear page for every HTTP error, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError

# Werkzeug words its errors in English; these are ours, in the reader's language.
ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request was not understood.")),
    401: (_l("Sign-in needed"), _l("Sign in first.")),
    403: (_l("Not allowed"), _l("You are not allowed to open this page.")),
    404: (_l("Page not found"), _l("This page does not exist. Check the address.")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    413: (_l("Too large"), _l("What was sent is too large.")),
    429: (_l("Too many requests"), _l("Too many requests at once; wait a moment.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side; nothing was lost.")),
    503: (_l("Not available"), _l("This service is not available right now. Try again later.")),
}


def error_texts(exc: HTTPException) -> tuple[str, str]:
    """Title and explanation: a description of our own (already translated) wins."""
    title, text = ERROR_TEXTS.get(exc.code or 500, ERROR_TEXTS[500])
    own = exc.description if exc.description != type(exc).description else None
    return str(title), str(own or text)


def way_back() -> tuple[str, str]:
    """Where the page's button leads: a signed-in staff member (or any /staff/ page) back to
    the console or the sign-in page, a chatter to the chat page."""
    if current_user and current_user.is_authenticated:
        return url_for("admin.console"), str(_l("Go to your console"))
    if request.path.startswith("/staff/"):
        return url_for("admin.login"), str(_l("Go to the staff sign-in"))
    return url_for("chat.chat_page"), str(_l("Go to the home page"))


def register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.accept_mimetypes.best == "application/json":
            return {"ok": False, "code": exc.code, "message": error_texts(exc)[1]}, exc.code
        title, text = error_texts(exc)
        back, back_label = way_back()
        return render_template("error.html", error=exc, title=title, text=text, back=back,
                               back_label=back_label), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # The route's pattern, not the path: a path is bytes a client chose.
        rule = request.url_rule.rule if request.url_rule else "(no route)"
        app.logger.error("request failed: %s on %s", type(exc).__name__, rule)
        return http_error(InternalServerError())
