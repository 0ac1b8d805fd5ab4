"""`flask --app app users ...`: staff accounts from the command line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from . import accounts

users = AppGroup("users", help="Manage staff accounts.")


@users.command("create")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Name chatters see (a pseudonym is fine).")
@click.option("--role", type=click.Choice(["therapist", "supervisor"]), default="therapist")
@click.option("--password", default=None, help="Omit to generate a one-time password.")
def create(username: str, display_name: str, role: str, password: str | None) -> None:
    """Create a staff account and print its password once."""
    password = password or accounts.generate_password()
    try:
        staff = accounts.create_staff(
            db.session, username, display_name or username, role, password
        )
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {staff.role} {staff.username!r} ({staff.display_name})")
    click.echo(f"one-time password: {password}")


@users.command("list")
def list_() -> None:
    """List accounts with role and status."""
    for staff in accounts.list_staff(db.session):
        status = "active" if staff.active else "deactivated"
        click.echo(f"{staff.username}\t{staff.display_name}\t{staff.role}\t{status}")


@users.command("deactivate")
@click.argument("username")
def deactivate(username: str) -> None:
    """Block an account and sign it out of every open console at once.

    The consoles are reached through REDIS_URL; without it (the embedded default of
    `make run`) the sessions still end, at their next action.
    """
    from .. import live
    from .signout import sign_out_everywhere

    try:
        staff = accounts.deactivate(db.session, username)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    returned = sign_out_everywhere(live.redis(), staff.id, "deactivated")
    click.echo(f"deactivated {staff.username!r}; {len(returned)} chat(s) back in the line")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users)
