"""gevent's pywsgi request handler where it has no public hook: its error paths, its read
buffer and a header timeout (registry: helpline/compat/).

- `HookedHandler` routes pywsgi's two private error paths, `_handle_client_error` (invalid
  client input, answered 400) and `_log_error` (a failing request), to `client_error` and
  `request_failed`, which server/logs.AnonymousHandler defines: gevent's own ones print the
  raw request line, the exception's message and the peer's address. It also gives each
  connection a read buffer of `read_buffer_bytes` through pywsgi's undocumented `rfile`
  argument (simple-websocket then takes the socket from under that file: `rfile.raw`).
- `HeaderTimeoutMixin`: the request line and headers must arrive within a timeout, or the
  connection is closed (slowloris). pywsgi itself waits forever for headers. The timeout
  is set on the socket before the request line is read and lifted once the headers are
  in, so a WebSocket (or a long response) that follows is not cut. A mixin, so it
  combines with any handler class.
"""

from __future__ import annotations

from gevent import GreenletExit, pywsgi

# gevent's own answer to a bad request (its private `_BAD_REQUEST_RESPONSE`), written out.
BAD_REQUEST_RESPONSE = (b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                        b"Content-length: 0\r\n\r\n")


class HookedHandler(pywsgi.WSGIHandler):
    """pywsgi's handler with its private error paths and its read buffer under our names."""

    read_buffer_bytes = -1  # pywsgi's own default (io.DEFAULT_BUFFER_SIZE)

    def __init__(self, sock, address, server, rfile=None):
        if rfile is None:
            rfile = sock.makefile("rb", self.read_buffer_bytes)
        super().__init__(sock, address, server, rfile)

    def client_error(self, ex: BaseException) -> None:
        """Invalid client input (request line, headers, body); a 400 answer follows."""

    def request_failed(self, exc_type: type) -> None:
        """The application or the connection failed (not a GreenletExit)."""

    def _handle_client_error(self, ex):
        self.client_error(ex)
        return ("400", BAD_REQUEST_RESPONSE)

    def _log_error(self, t, v, tb):
        if not issubclass(t, GreenletExit):
            self.request_failed(t)


class HeaderTimeoutMixin:
    """The request line and headers within `header_timeout` seconds, or the connection
    closes: pywsgi would hold a slow client's greenlet and socket forever."""

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


def handler_class(timeout: float, base: type = pywsgi.WSGIHandler) -> type:
    """A pywsgi handler class over `base` with the header timeout set."""
    return type("HeaderTimeoutHandler", (HeaderTimeoutMixin, base), {"header_timeout": timeout})
