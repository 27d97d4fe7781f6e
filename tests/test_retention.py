"""Retention (gallring): personal data of old closed cases goes, the statistics stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
from advice.cases.models import Case, CaseEntry, Contact, case_topics
from advice.extensions import db
from advice.privacy.services import REMOVED, run_retention
from advice.regions.models import Municipality
from tests.factories import new_case

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _close(case: Case, closed_at: datetime) -> None:
    case.status = "closed"
    case.resolved_at = closed_at
    case.closed_at = closed_at


def _figures() -> dict[str, object]:
    """The kind of figures statistics are made of; none may change."""
    return {
        "by_municipality": sorted(
            db.session.execute(
                select(Case.municipality_id, func.count()).group_by(Case.municipality_id)
            ).all()
        ),
        "by_topic": sorted(
            db.session.execute(
                select(case_topics.c.topic_id, func.count()).group_by(case_topics.c.topic_id)
            ).all()
        ),
        "by_status": sorted(
            db.session.execute(select(Case.status, func.count()).group_by(Case.status)).all()
        ),
        "minutes": db.session.scalar(select(func.sum(Case.minutes_spent))),
        "entries": db.session.scalar(select(func.count(CaseEntry.id))),
    }


def test_old_closed_cases_lose_personal_data_and_statistics_stay_equal(app):
    with app.app_context():
        old = new_case(received_at=NOW - timedelta(days=4 * 365)).case
        old.entries.append(CaseEntry(kind="reply", is_public=True, body="Ring Åsa på 070-1234567"))
        old.minutes_spent = 30
        _close(old, NOW - timedelta(days=4 * 365 - 5))
        recent = new_case(
            received_at=NOW - timedelta(days=30),
            contact=None,
        ).case
        _close(recent, NOW - timedelta(days=20))
        db.session.commit()
        before = _figures()

        report = run_retention(dry_run=False, now=NOW)
        db.session.commit()

        assert report.due == [old.reference]
        assert _figures() == before
        db.session.refresh(old)
        assert old.question == REMOVED
        assert old.contact_id is None
        assert all(entry.body in (None, REMOVED) for entry in old.entries)
        contact = db.session.scalars(select(Contact)).one()
        assert (contact.name, contact.email, contact.phone) == (None, None, None)
        db.session.refresh(recent)
        assert recent.anonymised_at is None


def test_dry_run_lists_and_changes_nothing(app, runner):
    with app.app_context():
        old = new_case(received_at=datetime(2020, 3, 2, tzinfo=UTC)).case
        _close(old, datetime(2020, 3, 9, tzinfo=UTC))
        db.session.commit()
        reference = old.reference
    result = runner.invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert reference in result.output
    with app.app_context():
        assert db.session.scalars(select(Case)).one().anonymised_at is None
    result = runner.invoke(args=["retention"])
    assert "anonymised 1 cases" in result.output
    with app.app_context():
        assert db.session.scalars(select(Case)).one().anonymised_at is not None


def test_a_municipality_may_keep_data_longer_than_the_region(app):
    with app.app_context():
        stockholm = db.session.scalars(
            select(Municipality).where(Municipality.code == "0180")
        ).one()
        stockholm.retention_months = 120
        kept = new_case(municipality_code="0180", received_at=NOW - timedelta(days=5 * 365)).case
        gone = new_case(municipality_code="0182", received_at=NOW - timedelta(days=5 * 365)).case
        for case in (kept, gone):
            _close(case, NOW - timedelta(days=5 * 365 - 3))
        db.session.commit()
        report = run_retention(dry_run=False, now=NOW)
        assert report.due == [gone.reference]


def test_attachments_and_tracking_links_go_with_the_personal_data(app, client):
    with app.app_context():
        created = new_case(received_at=NOW - timedelta(days=4 * 365))
        case = created.case
        written = StoredFiles()
        attachment = store_attachment(
            case, CheckedUpload("räkning.pdf", "application/pdf", b"%PDF-1.4 x"), written
        )
        _close(case, NOW - timedelta(days=4 * 365 - 2))
        db.session.commit()
        path = Path(app.instance_path) / "uploads" / attachment.storage_key
        assert path.exists()
        run_retention(dry_run=False, now=NOW)
        db.session.commit()
        assert not path.exists()
        assert attachment.deleted_at is not None
        token = created.tracking_token
    assert client.get(f"/track/{token}").status_code == 404


def test_a_contact_with_a_kept_case_keeps_its_details(app):
    with app.app_context():
        old = new_case(received_at=NOW - timedelta(days=4 * 365)).case
        _close(old, NOW - timedelta(days=4 * 365 - 2))
        new_case(received_at=NOW - timedelta(days=10))  # same email: same contact
        db.session.commit()
        run_retention(dry_run=False, now=NOW)
        db.session.commit()
        contact = db.session.scalars(select(Contact)).one()
        assert contact.email == "asa.oberg@example.com"
        assert old.contact_id is None


def test_retention_is_audited(app):
    from advice.audit.models import AuditEvent

    with app.app_context():
        old = new_case(received_at=NOW - timedelta(days=4 * 365)).case
        _close(old, NOW - timedelta(days=4 * 365 - 2))
        db.session.commit()
        run_retention(dry_run=False, now=NOW)
        db.session.commit()
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.anonymised")
        ).one()
        assert event.case_id == old.id
        assert event.details == {"reason": "retention"}
