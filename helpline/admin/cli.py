"""`flask --app app users ...`: staff accounts from the command line."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..auth.signout import sign_out_everywhere
from ..extensions import db
from ..realtime import live
from . import accounts

users = AppGroup("users", help="Manage staff accounts.")


@users.command("create")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Name chatters see (a pseudonym is fine).")
@click.option("--role", type=click.Choice(["therapist", "supervisor"]), default="therapist")
@click.option("--password", default=None, help="Omit to generate a one-time password.")
def create(username: str, display_name: str, role: str, password: str | None) -> None:
    """Create a staff account and print its one-time password once (the person sets
    their own at first sign-in; the password policy applies to --password too)."""
    password = password or accounts.generate_password()
    try:
        staff = accounts.create_staff(
            db.session, username, display_name or username, role, password, must_change=True
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

    The consoles are reached through REDIS_URL, or without it through the embedded Redis
    of the platform running from this folder (`make run` writes its address to an
    owner-only file in instance/). With neither, the account is blocked in the database
    and every open console of it is refused at its next action.
    """
    try:
        staff = accounts.deactivate(db.session, username)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    if current_app.extensions.get("helpline_embedded_redis_started"):
        click.echo(f"deactivated {staff.username!r} in the database; no running platform was "
                   "found (no REDIS_URL, no live embedded Redis), so open consoles are "
                   "refused at their next action")
        return
    returned = sign_out_everywhere(live.redis(), staff.id, "deactivated")
    click.echo(f"deactivated {staff.username!r}; {len(returned)} chat(s) back in the line")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users)
