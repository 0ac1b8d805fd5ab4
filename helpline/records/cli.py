"""`flask --app app demo-data` and `flask --app app notes rescan`: registrations from the CLI."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..canned.seed import seed
from ..extensions import db
from ..i18n import LANGUAGES
from . import demo
from .models import Staff
from .rescan import rescan
from .scrubber import ScrubberUnavailable, load


@click.command("demo-data")
@click.option("--scale", default=1, show_default=True, help="Multiply every volume.")
@with_appcontext
def demo_data(scale: int) -> None:
    """Fill an empty database with a realistic 2017-2021 history (never a filled one)."""
    if not demo.is_empty(db.session):
        raise click.ClickException("the database already holds registrations; demo data "
                                   "goes only into an empty one")
    count = demo.fill(db.session, scale=max(1, scale))
    click.echo(f"demo data: {count} registrations 2017-2021; see /staff/reports?all=1")
    click.echo(f"ready texts: {seed(db.session)} added; see /staff/canned")


@click.group("notes")
def notes() -> None:
    """The free-text notes of registrations."""


@notes.command("rescan")
@click.option("--apply", "apply_", is_flag=True,
              help="Replace the notes the scrubber changes (default: only count them).")
@click.option("--by", "username", help="The supervisor responsible (required with --apply).")
@with_appcontext
def rescan_notes(apply_: bool, username: str | None) -> None:
    """Count, per kind, the stored notes today's scrubber would change; --apply replaces
    them and writes one audit event with the count. Never prints a note."""
    actor = None
    if apply_:
        actor = db.session.scalar(select(Staff).where(Staff.username == (username or ""),
                                                      Staff.role == "supervisor"))
        if actor is None:
            raise click.ClickException("--apply needs --by USERNAME of a supervisor account")
    try:
        load()
    except ScrubberUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    default = current_app.config.get("HELPLINE_DEFAULT_LANGUAGE", "nl")
    report = rescan(db.session, default if default in LANGUAGES else "nl", apply_,
                    actor.id if actor else None)
    verb = "changed" if apply_ else "would change"
    click.echo(f"notes read: {report.notes}; the scrubber {verb} {report.changed}")
    for kind, count in sorted(report.kinds.items()):
        click.echo(f"  {kind}: {count} notes")
    if not apply_ and report.changed:
        click.echo("run again with --apply --by <supervisor> to replace them")


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_data)
    app.cli.add_command(notes)
