"""The therapist console's page (its live data comes over the /staff socket: events.py).

On the staff blueprint of `auth/access.py`, so its address and endpoint stay `admin.console`.
"""

from __future__ import annotations

from flask import current_app, render_template

from ..auth.access import bp, roles_required
from ..records.taxonomy import current as current_taxonomy


@bp.route("/")
@roles_required("therapist", "supervisor")
def console():
    return render_template(
        "admin/console.html",
        taxonomy=current_taxonomy().as_dict(),
        max_capacity=current_app.config["MAX_CAPACITY"],
        max_chars=current_app.config["MAX_MESSAGE_CHARS"],
    )

