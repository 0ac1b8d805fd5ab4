"""Sign-in settings (password policy, two-factor, throttling, the hashing pool), read where
there may be no app: the values live with every other setting in `settings.Config`;
`app.config` (create_app's overrides, as in tests) wins.
"""

from __future__ import annotations

from flask import current_app, has_app_context

from ..settings import Config


def setting(name: str):
    """The app's value if there is an app, else Config's (read from the environment)."""
    if has_app_context() and name in current_app.config:
        return current_app.config[name]
    return getattr(Config, name)
