"""The reports page and its exports (supervisors only)."""

from __future__ import annotations

from flask import Blueprint

from ..admin.views import roles_required

bp = Blueprint("reports", __name__, url_prefix="/staff/reports")


@bp.route("/")
@roles_required("supervisor")
def page():
    return "reports"
