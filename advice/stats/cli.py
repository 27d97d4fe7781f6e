"""``flask --app advice rebuild-stats``: take new cases into the statistics rollup."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from advice.audit import services as audit
from advice.extensions import db
from advice.stats.services import rebuild


@click.command("rebuild-stats")
@click.option(
    "--full",
    is_flag=True,
    help="Recount every case from scratch instead of adding the cases new since last time.",
)
@with_appcontext
def rebuild_stats_command(full: bool) -> None:
    """Add the cases new since the last run to the statistics rollup.

    The statistics are correct without it (newer cases are counted live), only slower as
    they pile up: run it nightly, and after loading cases in bulk (``demo``). Changes to
    cases already in the rollup are applied as they happen. Case changes wait while it runs.
    """
    started = time.perf_counter()
    report = rebuild(full=full)
    audit.record(
        "stats.rebuilt",
        details={"full": full, "cases": report.cases_added, "through": report.covered_through},
    )
    db.session.commit()
    click.echo(
        f"{'Rebuilt' if full else 'Updated'} the statistics rollup: {report.cases_added} cases "
        f"added, covering case ids up to {report.covered_through}, "
        f"in {time.perf_counter() - started:.1f} s."
    )
