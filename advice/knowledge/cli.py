"""``flask --app advice seed-articles``: the articles that ship with the product."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from advice.extensions import db
from advice.knowledge.seed import CONTENT_FOLDER, ContentError, load_articles


@click.command("seed-articles")
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Folder of Markdown files with front matter (default: {CONTENT_FOLDER}).",
)
@with_appcontext
def seed_articles_command(folder: Path | None) -> None:
    """Load knowledge articles from Markdown files; articles that exist are skipped."""
    try:
        report = load_articles(folder)
    except ContentError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"articles: {len(report.created)} created, {len(report.skipped)} already there")
