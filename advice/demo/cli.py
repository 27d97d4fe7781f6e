from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("demo")
@click.option("--cases", "case_count", default=500, show_default=True, type=click.IntRange(0))
@click.option("--password", default="demo", show_default=True)
@with_appcontext
def demo_command(case_count: int, password: str) -> None:
    """Create the demo staff accounts and CASES realistic cases."""
    raise click.ClickException("not built yet")
