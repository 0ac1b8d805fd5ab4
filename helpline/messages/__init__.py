"""Anonymous messages: a writer leaves a message while the chat is closed, keeps a code,
and reads the answer later with it (issue 20).

This package is the domain core, free of HTTP and sockets: the models (models.py), the
code and its verifier (codes.py), encryption at rest with crypto-shredding (keys.py),
text checks (texts.py), the promised answer day (workdays.py) and the operations the
pages call (conversations.py). Threat model: docs/architecture.md, "Anonymous messages:
storage and threat model".

Importing the package registers its SQL models, so Alembic and `db.create_all` see them.
"""

from . import models  # noqa: F401
