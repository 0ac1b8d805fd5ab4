"""What gevent's hub prints when a greenlet fails.

The hub's documented hook, `handle_error`, also decides which errors stop the process
(system errors, a destroyed hub) through private helpers; the printing alone is its
undocumented `Hub.print_exception(context, type, value, tb)`, replaced here on this
thread's hub (registry: helpline/compat/). Its default prints the exception's message
and the greenlet's arguments, which may quote a client.
"""

from __future__ import annotations

from collections.abc import Callable

import gevent


def print_exceptions_with(printer: Callable) -> None:
    """Make this thread's hub print a failed greenlet with `printer(context, t, v, tb)`."""
    gevent.get_hub().print_exception = printer
