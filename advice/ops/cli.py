"""``worker``, ``tick``, ``backup`` and ``restore``: the operator's commands."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from advice.extensions import db
from advice.ops import jobs
from advice.ops.backup import BackupError, create_backup, prune_backups, restore_backup
from advice.ops.schedule import tick


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, one-off runs).")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run jobs from the Redis queue (emails, PDFs, digests, retention) until stopped.

    SIGTERM lets the current job finish first. Run one or more per machine, under
    systemd; a job whose worker dies is retried by RQ and, failing that, by ``tick``.
    """
    from redis import Redis
    from rq import SimpleWorker

    if not jobs.queue_enabled():
        raise click.ClickException("REDIS_URL is not set: without Redis, `tick` does the work.")
    # Its own connection without a read timeout: the worker blocks on Redis while idle.
    connection = Redis.from_url(current_app.config["REDIS_URL"])
    queue = jobs.job_queue(connection=connection)
    # SimpleWorker runs each job in this process, with this process's database pool and
    # app context; a forking worker would share the pool's sockets with its children.
    worker = SimpleWorker([queue], connection=connection)
    level = str(current_app.config.get("LOG_LEVEL") or "INFO")
    worker.work(burst=burst, with_scheduler=True, logging_level=level)


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Scheduled work, every minute from a timer: due emails, digests, retention."""
    report = tick()
    daily = ", ".join(f"{kind} {state}" for kind, state in report.daily.items())
    click.echo(f"purged {report.purged} old emails; {daily}; queue: {report.queue}")


@click.command("backup")
@click.option(
    "--to",
    "target",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the backup (default BACKUP_FOLDER or instance/backups).",
)
@click.option("--without-uploads", is_flag=True, help="The database only.")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=None,
    help="Afterwards, remove all but this many newest backups in the folder.",
)
@with_appcontext
def backup_command(target: Path | None, without_uploads: bool, keep: int | None) -> None:
    """Back up the database and the uploads while the app runs."""
    try:
        report = create_backup(target, include_uploads=not without_uploads)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup: {report.path}")
    click.echo(
        f"cases {report.counts.get('cases', 0)}, files {report.files}, "
        f"{report.size_bytes / 1_000_000:.1f} MB; database {report.database_seconds:.1f} s, "
        f"files {report.files_seconds:.1f} s"
    )
    if keep:
        for removed in prune_backups(keep, report.path.parent):
            click.echo(f"removed old backup {removed.name}")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--without-uploads", is_flag=True, help="The database only.")
@with_appcontext
def restore_command(folder: Path, without_uploads: bool) -> None:
    """Restore a backup onto an empty database (and an empty upload folder)."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        report = restore_backup(folder, include_uploads=not without_uploads)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    finally:
        db.session.remove()
    click.echo(
        f"restored cases {report.counts.get('cases', 0)}; "
        f"database {report.database_seconds:.1f} s, files {report.files_seconds:.1f} s"
    )
    if report.mismatches:
        for name, (expected, found) in sorted(report.mismatches.items()):
            click.echo(f"MISMATCH {name}: backup {expected}, restored {found}", err=True)
        raise click.ClickException("The restored row counts differ from the backup's.")
    click.echo("row counts match the backup's manifest")


OPS_COMMANDS = (worker_command, tick_command, backup_command, restore_command)
