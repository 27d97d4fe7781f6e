"""``fetch-mail`` reads the office mailboxes; ``quarantine-retry`` tries a stored message again."""

from __future__ import annotations

import logging
import time

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from advice.extensions import db
from advice.inbound.services import (
    FetchReport,
    InboundError,
    fetch_and_process,
    quarantined_messages,
    retry_quarantined,
)
from advice.mail.services import deliver_pending

log = logging.getLogger(__name__)


def _run_once(names: tuple[str, ...], limit: int | None, deliver: bool) -> FetchReport:
    report = fetch_and_process(names, limit=limit)
    if deliver and report.outbox_ids:
        # Receipts go out now rather than at the next send-mail run.
        deliver_pending(None, ids=report.outbox_ids)
    return report


def _echo(report: FetchReport) -> None:
    if not report.mailboxes and not report.errors:
        click.echo("No mailbox to read: INBOUND_MAILBOXES is empty.")
        return
    click.echo(report.summary())
    for error in report.errors:
        click.echo(f"error: {error}", err=True)


@click.command("fetch-mail")
@click.option("--mailbox", "names", multiple=True, help="Only this mailbox; repeat for several.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="At most this many per mailbox."
)
@click.option(
    "--loop",
    "interval",
    type=click.IntRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Keep running and read the mailboxes every SECONDS (where no timer runs it).",
)
@click.option(
    "--deliver/--no-deliver",
    default=True,
    show_default=True,
    help="Send the receipts this run queued right away.",
)
@with_appcontext
def fetch_mail_command(
    names: tuple[str, ...], limit: int | None, interval: int | None, deliver: bool
) -> None:
    """Read the office mailboxes: new questions become cases, replies join their case."""
    if interval is None:
        report = _run_once(names, limit, deliver)
        _echo(report)
        if report.errors and not report.fetched:
            raise SystemExit(1)
        return
    while True:
        try:
            report = _run_once(names, limit, deliver)
        except SQLAlchemyError:
            # The database is away for a moment; nothing was marked, so nothing is lost.
            db.session.rollback()
            log.exception("inbound: fetch-mail could not reach the database")
        else:
            if report.fetched or report.errors:
                _echo(report)
        time.sleep(interval)


@click.command("quarantine-retry")
@click.argument("inbound_id", type=int, required=False)
@click.option("--list", "list_only", is_flag=True, help="List the quarantined messages.")
@with_appcontext
def quarantine_retry_command(inbound_id: int | None, list_only: bool) -> None:
    """Process a quarantined email again (after a fix), or list the quarantine."""
    if list_only or inbound_id is None:
        messages = quarantined_messages()
        for message in messages:
            click.echo(
                f"{message.id}\t{message.received_at:%Y-%m-%d %H:%M}\t{message.mailbox}\t"
                f"{message.sender or '-'}\t{(message.error or '')[:80]}"
            )
        if not messages:
            click.echo("The quarantine is empty.")
        return
    try:
        outcome = retry_quarantined(inbound_id)
    except InboundError as error:
        raise click.ClickException(str(error)) from error
    if outcome.status == "quarantined":
        record = quarantined_messages()
        error = next((m.error for m in record if m.id == inbound_id), "")
        raise click.ClickException(f"still quarantined: {error}")
    click.echo(f"message {inbound_id}: {outcome.status} ({outcome.reason or '-'})")
    if outcome.outbox_ids:
        deliver_pending(None, ids=outcome.outbox_ids)
