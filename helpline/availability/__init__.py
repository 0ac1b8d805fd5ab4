"""Opening hours per channel, the gate on new chats, and the identity-free missed-contact ledger.

Importing the package registers its SQL models, so Alembic and `db.create_all` see them.
"""

from . import models  # noqa: F401
