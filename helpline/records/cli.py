"""`flask --app app demo-data` and `flask --app app retention`: registrations from the CLI."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from ..extensions import db


@click.command("demo-data")
@click.option("--scale", default=1, show_default=True, help="Multiply every volume.")
@with_appcontext
def demo_data(scale: int) -> None:
    """Fill an empty database with a realistic 2017-2021 history (never a filled one)."""
    from . import demo

    if not demo.is_empty(db.session):
        raise click.ClickException("the database already holds registrations; demo data "
                                   "goes only into an empty one")
    from ..canned.seed import seed

    count = demo.fill(db.session, scale=max(1, scale))
    click.echo(f"demo data: {count} registrations 2017-2021; see /staff/reports?all=1")
    click.echo(f"ready texts: {seed(db.session)} added; see /staff/canned")


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_data)
