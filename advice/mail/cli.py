"""``send-mail`` delivers the outbox; ``send-digests`` queues and sends the daily digests."""

from __future__ import annotations

import logging
import time

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from advice.extensions import db
from advice.mail.notifications import send_daily_digests
from advice.mail.services import DeliveryReport, deliver_pending, purge_old_messages

log = logging.getLogger(__name__)


def _echo(report: DeliveryReport) -> None:
    click.echo(f"sent {report.sent}, failed {report.failed}, pending {report.pending}")


def _deliver_once(limit: int | None) -> DeliveryReport:
    purge_old_messages()
    db.session.commit()
    return deliver_pending(limit)


@click.command("send-mail")
@click.option(
    "--loop",
    "interval",
    type=click.IntRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Keep running and deliver every SECONDS (where no timer runs the command).",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many.")
@with_appcontext
def send_mail_command(interval: int | None, limit: int | None) -> None:
    """Deliver every email that is due, retries included, and purge old records."""
    if interval is None:
        _echo(_deliver_once(limit))
        return
    while True:
        try:
            report = _deliver_once(limit)
        except SQLAlchemyError:
            # The database is away for a moment; nothing is lost, try again next round.
            db.session.rollback()
            log.exception("mail: send-mail could not reach the database")
        else:
            if report.sent or report.failed:
                _echo(report)
        time.sleep(interval)


@click.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """Email the daily digest of new cases to advisers who chose it; run once a day."""
    queued = send_daily_digests()
    db.session.commit()
    click.echo(f"queued {queued} digests")
    _echo(deliver_pending(None))
