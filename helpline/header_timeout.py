"""A header timeout for gevent's pywsgi (slowloris): the request line and headers must
arrive within HEADER_TIMEOUT_SECONDS, or the connection is closed.

pywsgi itself waits forever for headers. The timeout is set on the socket before the
request line is read and lifted once the headers are in, so a WebSocket (or a long
response) that follows is not cut. A mixin, so it combines with any handler class.
"""

from __future__ import annotations

from gevent.pywsgi import WSGIHandler


class HeaderTimeoutMixin:
    header_timeout: float = 10.0

    def handle_one_request(self):
        # A timeout while reading the request line is an OSError: pywsgi just closes.
        if self.socket is not None:
            self.socket.settimeout(self.header_timeout)
        return super().handle_one_request()

    def read_request(self, raw_requestline):
        try:
            return super().read_request(raw_requestline)
        except TimeoutError:
            self.close_connection = True
            return False  # pywsgi answers 400 and closes, with nothing logged
        finally:
            if self.socket is not None:
                self.socket.settimeout(None)


def handler_class(timeout: float, base: type = WSGIHandler) -> type:
    """A pywsgi handler class over `base` with the header timeout set."""
    return type("HeaderTimeoutHandler", (HeaderTimeoutMixin, base), {"header_timeout": timeout})

