"""`flask --app app canned seed`: a first set of ready texts in every language."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db
from .seed import seed

canned = AppGroup("canned", help="The library of ready texts (canned responses).")


@canned.command("seed")
def seed_command() -> None:
    """Add the first ready texts to each language that has none (never overwrites)."""
    click.echo(f"canned responses: {seed(db.session)} added")


def register_cli(app: Flask) -> None:
    app.cli.add_command(canned)
