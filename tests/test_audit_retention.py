"""The audit log keeps events for a period the admin sets (24 months by default); the
daily retention removes older ones, all at once. No route edits or deletes an event."""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from advice.admin.services import update_settings
from advice.audit.models import AuditEvent
from advice.extensions import db
from advice.privacy.services import run_retention

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _events(*ages_in_months: int) -> None:
    for months in ages_in_months:
        db.session.add(
            AuditEvent(action=f"test.{months}", at=NOW - relativedelta(months=months, days=1))
        )
    db.session.commit()


def _actions() -> list[str]:
    return sorted(db.session.scalars(select(AuditEvent.action)))


def test_events_older_than_the_period_are_removed_and_the_removal_is_audited(app):
    with app.app_context():
        _events(1, 12, 23, 24, 30)
        report = run_retention(dry_run=False, now=NOW)
        db.session.commit()
        assert report.audit_events == 2
        assert report.audit_cutoff == NOW - relativedelta(months=24)
        assert _actions() == ["audit.events_removed", "test.1", "test.12", "test.23"]
        removal = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "audit.events_removed")
        ).one()
        assert removal.details == {
            "before": (NOW - relativedelta(months=24)).isoformat(),
            "count": 2,
        }
        assert removal.actor_label == "system"


def test_the_admin_sets_the_period(app):
    with app.app_context():
        update_settings({"audit_retention_months": "6"})
        db.session.commit()
        _events(1, 7)
        assert run_retention(dry_run=False, now=NOW).audit_events == 1
        db.session.commit()
        assert _actions() == ["audit.events_removed", "settings.changed", "test.1"]


def test_a_dry_run_counts_and_changes_nothing(app, runner):
    with app.app_context():
        # Really old, so that the command's own clock (today) finds them due too.
        for years in (5, 6, 7):
            db.session.add(
                AuditEvent(action="test.old", at=datetime.now(UTC) - relativedelta(years=years))
            )
        db.session.add(AuditEvent(action="test.new"))
        db.session.commit()
    result = runner.invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 audit events from before" in result.output and "would be removed" in result.output
    with app.app_context():
        assert len(_actions()) == 4
    result = runner.invoke(args=["retention"])
    assert "removed 3 audit events" in result.output
    with app.app_context():
        assert "test.old" not in _actions() and "test.new" in _actions()


def test_nothing_to_remove_records_nothing(app):
    with app.app_context():
        _events(1)
        assert run_retention(dry_run=False, now=NOW).audit_events == 0
        db.session.commit()
        assert _actions() == ["test.1"]


def test_no_route_changes_or_deletes_single_events(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/audit") or rule.endpoint.startswith("audit."):
            assert set(rule.methods or ()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule
