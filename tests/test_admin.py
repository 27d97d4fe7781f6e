"""Administration in the web UI and on the command line, and the audit trail it leaves."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from advice.accounts.models import User
from advice.audit.models import AuditEvent
from advice.cases.models import Case
from advice.extensions import db
from advice.mail.models import OutboxMessage
from advice.regions.models import Municipality, Office
from advice.regions.services import setting
from advice.stats.periods import quarter_period
from advice.stats.tables import load_labels
from advice.taxonomy.choices import term_choices
from advice.taxonomy.models import Topic
from tests.conftest import TEST_PASSWORD
from tests.factories import new_case

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NEW_PASSWORD = "a long and memorable passphrase"


@pytest.fixture
def coordinator(make_user):
    return make_user(name="Maria Processledare", roles=("coordinator",), offices=())


@pytest.fixture
def adviser(make_user):
    return make_user(name="Anna Rådgivare", offices=("stockholm",))


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        db.session.expunge_all()
        return events


def _office_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Office.id).where(Office.code == code))


def test_an_adviser_may_not_administer(client, login, adviser):
    login(adviser)
    for path in (
        "/admin",
        "/admin/users",
        "/admin/offices",
        "/admin/taxonomies",
        "/admin/settings",
        "/admin/users/invite",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/settings", data={"sla_working_days": "9"}).status_code == 403
    assert client.post(f"/admin/users/{adviser.id}/deactivate").status_code == 403


def test_an_invited_user_sets_a_password_once_and_signs_in(app, client, login, coordinator):
    login(coordinator)
    stockholm = _office_id(app, "stockholm")
    response = client.post(
        "/admin/users/invite",
        data={
            "email": "Ny.Radgivare@Example.org",
            "name": "Nils Ny",
            "roles": ["adviser"],
            "offices": [str(stockholm)],
            "language": "sv",
        },
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    link = re.search(r"http://localhost/invitation/[\w-]+", page).group(0)
    path = link.removeprefix("http://localhost")

    with app.app_context():
        invited = db.session.scalar(select(User).where(User.email == "ny.radgivare@example.org"))
        assert invited.password_hash is None
        assert [office.code for office in invited.offices] == ["stockholm"]
        mail = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.to_address == "ny.radgivare@example.org")
        )
        assert mail.kind == "invitation"
        assert link in mail.text_body
    assert [event.details["email"] for event in _events(app, "user.invited")] == [
        "ny.radgivare@example.org"
    ]

    client.get("/logout")
    new_client = app.test_client()
    assert new_client.get(path).status_code == 200
    too_short = new_client.post(path, data={"password": "short", "confirm": "short"})
    assert too_short.status_code == 400
    done = new_client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert new_client.get(path).status_code == 404  # one time only
    signed_in = new_client.post(
        "/login", data={"email": "ny.radgivare@example.org", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert len(_events(app, "user.invitation_accepted")) == 1


def test_a_new_invitation_replaces_the_old_link(app, client, login, coordinator):
    login(coordinator)
    first = client.post(
        "/admin/users/invite",
        data={
            "email": "twice@example.org",
            "name": "Två Gånger",
            "roles": ["adviser"],
            "language": "sv",
        },
    ).get_data(as_text=True)
    first_path = re.search(r"/invitation/[\w-]+", first).group(0)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "twice@example.org"))
    second = client.post(f"/admin/users/{user_id}/invitation").get_data(as_text=True)
    second_path = re.search(r"/invitation/[\w-]+", second).group(0)
    assert first_path != second_path
    assert client.get(first_path).status_code == 404
    assert client.get(second_path).status_code == 200


def test_a_deactivated_user_cannot_sign_in_and_loses_their_session(
    app, client, login, coordinator, adviser
):
    adviser_client = app.test_client()
    assert (
        adviser_client.post(
            "/login", data={"email": adviser.email, "password": TEST_PASSWORD}
        ).status_code
        == 302
    )
    assert adviser_client.get("/queue").status_code == 200

    login(coordinator)
    assert client.post(f"/admin/users/{adviser.id}/deactivate").status_code == 302
    assert client.post(f"/admin/users/{coordinator.id}/deactivate").status_code == 302  # refused
    with app.app_context():
        assert db.session.get(User, coordinator.id).active

    assert adviser_client.get("/queue").status_code == 302  # signed out
    again = app.test_client().post(
        "/login", data={"email": adviser.email, "password": TEST_PASSWORD}
    )
    assert again.status_code == 200
    assert "Fel e-postadress eller lösenord." in again.get_data(as_text=True)
    events = _events(app, "user.deactivated")
    assert [(event.object_id, event.actor_id) for event in events] == [
        (str(adviser.id), coordinator.id)
    ]

    assert client.post(f"/admin/users/{adviser.id}/reactivate").status_code == 302
    assert (
        app.test_client()
        .post("/login", data={"email": adviser.email, "password": TEST_PASSWORD})
        .status_code
        == 302
    )


def test_roles_and_offices_change_and_are_audited(app, client, login, coordinator, adviser):
    login(coordinator)
    norrort = _office_id(app, "norrort")
    response = client.post(
        f"/admin/users/{adviser.id}",
        data={
            "name": "Anna Rådgivare",
            "roles": ["adviser", "coordinator"],
            "offices": [str(norrort)],
            "language": "en",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, adviser.id)
        assert user.roles == {"adviser", "coordinator"}
        assert [office.code for office in user.offices] == ["norrort"]
        assert user.language == "en"
    (event,) = _events(app, "user.updated")
    assert event.details["roles"] == {"from": ["adviser"], "to": ["adviser", "coordinator"]}
    assert event.details["offices"] == {"from": ["stockholm"], "to": ["norrort"]}

    refused = client.post(
        f"/admin/users/{adviser.id}",
        data={"name": "Anna Rådgivare", "roles": ["admin"], "language": "sv"},
    )
    assert refused.status_code == 400
    assert "Bara en administratör" in refused.get_data(as_text=True)


def test_a_municipality_moved_to_another_office_keeps_its_old_cases(
    app, client, login, coordinator
):
    with app.app_context():
        old = new_case(municipality_code="0180").case
        db.session.commit()
        old_id = old.id
        municipalities = list(db.session.scalars(select(Municipality)))
        stockholm_municipality = next(m for m in municipalities if m.code == "0180")
        form = {f"office-{m.id}": str(m.office_id) for m in municipalities}
        norrort = db.session.scalar(select(Office.id).where(Office.code == "norrort"))
        form[f"office-{stockholm_municipality.id}"] = str(norrort)
        form[f"retention-{stockholm_municipality.id}"] = "24"
    login(coordinator)
    assert client.post("/admin/offices", data=form).status_code == 302
    with app.app_context():
        assert db.session.get(Case, old_id).office.code == "stockholm"
        new = new_case(municipality_code="0180").case
        db.session.commit()
        assert new.office.code == "norrort"
        assert db.session.get(Municipality, stockholm_municipality.id).retention_months == 24
    (moved,) = _events(app, "municipality.office_changed")
    assert moved.details["municipality"] == "0180"
    (retention,) = _events(app, "municipality.retention_changed")
    assert retention.details == {"municipality": "0180", "from": None, "to": 24}

    form[f"retention-{stockholm_municipality.id}"] = "många"
    response = client.post("/admin/offices", data=form)
    assert response.status_code == 400
    assert "Ange ett antal månader" in response.get_data(as_text=True)


def test_a_renamed_topic_keeps_its_old_label_for_earlier_periods(app, client, login, coordinator):
    with app.app_context():
        topic = db.session.scalar(select(Topic).where(Topic.code == "heating"))
        topic_id, old_label = topic.id, topic.label_sv
    login(coordinator)
    response = client.post(
        f"/admin/taxonomies/topics/{topic_id}",
        data={"label_sv": "Värme och värmepumpar", "label_en": "Heating and heat pumps"},
    )
    assert response.status_code == 302
    with app.app_context():
        earlier = load_labels(quarter_period(2020, 1).end_utc, "sv")
        assert earlier.term("topics", topic_id) == old_label
        now = load_labels(datetime.now(UTC), "sv")
        assert now.term("topics", topic_id) == "Värme och värmepumpar"
    page = client.get("/admin/taxonomies").get_data(as_text=True)
    assert old_label in page  # shown as its earlier name
    (event,) = _events(app, "taxonomy.term_renamed")
    assert event.details["from"]["sv"] == old_label


def test_a_retired_topic_is_no_longer_offered_but_stays_in_history(app, client, login, coordinator):
    login(coordinator)
    added = client.post(
        "/admin/taxonomies/topics/new",
        data={"code": "hydrogen", "label_sv": "Vätgas", "label_en": "Hydrogen"},
    )
    assert added.status_code == 302
    with app.app_context():
        topic_id = db.session.scalar(select(Topic.id).where(Topic.code == "hydrogen"))
        assert (str(topic_id), "Vätgas") in term_choices(Topic, "sv")
        case = new_case(topic_ids=[topic_id]).case
        db.session.commit()
        case_id = case.id
    assert (
        client.post(f"/admin/taxonomies/topics/{topic_id}/active", data={"active": "0"}).status_code
        == 302
    )
    with app.app_context():
        assert (str(topic_id), "Vätgas") not in term_choices(Topic, "sv")
        assert [topic.code for topic in db.session.get(Case, case_id).topics] == ["hydrogen"]
    assert [e.details["code"] for e in _events(app, "taxonomy.term_added")] == ["hydrogen"]
    assert [e.details["code"] for e in _events(app, "taxonomy.term_retired")] == ["hydrogen"]
    duplicate = client.post(
        "/admin/taxonomies/topics/new",
        data={"code": "hydrogen", "label_sv": "Vätgas", "label_en": "Hydrogen"},
    )
    assert duplicate.status_code == 400


def test_settings_change_new_cases_and_are_audited(app, client, login, coordinator):
    login(coordinator)
    response = client.post(
        "/admin/settings",
        data={
            "sla_working_days": "5",
            "retention_months": "60",
            "stats_min_cell_size": "3",
            "accessibility_statement": "Webbplatsen uppfyller WCAG 2.1 AA.\n\nKontakta oss.",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert setting("sla_working_days") == "5"
        assert setting("stats_min_cell_size") == "3"
        assert setting("accessibility_statement").startswith("Webbplatsen uppfyller")
        monday = datetime(2026, 3, 2, 9, tzinfo=STOCKHOLM).astimezone(UTC)
        case = new_case(received_at=monday).case
        assert case.first_response_due_at.astimezone(STOCKHOLM).date().isoformat() == ("2026-03-09")
    (event,) = _events(app, "settings.changed")
    assert event.details["sla_working_days"] == {"from": "2", "to": "5"}
    assert event.details["accessibility_statement"]["to_chars"] > 0

    bad = client.post(
        "/admin/settings",
        data={"sla_working_days": "0", "retention_months": "60", "stats_min_cell_size": "3"},
    )
    assert bad.status_code == 400
    assert "Ange 1 till 60 dagar." in bad.get_data(as_text=True)


@pytest.mark.csrf
def test_admin_forms_need_the_csrf_token(client, login, coordinator):
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page) or re.search(
        r'name="csrf_token" value="([^"]+)"', login_page
    )
    client.post(
        "/login",
        data={"email": coordinator.email, "password": TEST_PASSWORD, "csrf_token": token.group(1)},
    )
    response = client.post(
        "/admin/settings",
        data={"sla_working_days": "9", "retention_months": "60", "stats_min_cell_size": "0"},
    )
    assert response.status_code == 400
    assert "csrf_token" in client.get("/admin/settings").get_data(as_text=True)


# --- The command line ------------------------------------------------------------------------


def test_the_cli_administers_with_the_same_rules_and_audit(app, runner):
    result = runner.invoke(
        args=[
            "invite-user",
            "--email",
            "cli@example.org",
            "--name",
            "Cli Användare",
            "--role",
            "adviser",
            "--office",
            "norrort",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "/invitation/" in result.output

    result = runner.invoke(
        args=[
            "update-user",
            "cli@example.org",
            "--role",
            "adviser",
            "--role",
            "coordinator",
            "--office",
            "stockholm",
        ]
    )
    assert result.exit_code == 0, result.output

    assert (
        runner.invoke(
            args=["set-office", "--municipality", "0180", "--office", "sodertorn"]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(args=["set-retention", "--municipality", "0180", "--months", "18"]).exit_code
        == 0
    )
    assert runner.invoke(args=["set-setting", "stats_min_cell_size", "5"]).exit_code == 0
    bad = runner.invoke(args=["set-setting", "sla_working_days", "zero"])
    assert bad.exit_code == 1 and "heltal" in bad.output
    assert (
        runner.invoke(
            args=["add-term", "channels", "chat", "--sv", "Chatt", "--en", "Chat"]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            args=["rename-term", "channels", "chat", "--sv", "Chatt på webben", "--en", "Web chat"]
        ).exit_code
        == 0
    )
    assert runner.invoke(args=["retire-term", "channels", "chat"]).exit_code == 0
    assert runner.invoke(args=["deactivate-user", "cli@example.org"]).exit_code == 0
    unknown = runner.invoke(args=["deactivate-user", "nobody@example.org"])
    assert unknown.exit_code == 1

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "cli@example.org"))
        assert not user.active
        assert user.roles == {"adviser", "coordinator"}
        assert [office.code for office in user.offices] == ["stockholm"]
        stockholm = db.session.scalar(select(Municipality).where(Municipality.code == "0180"))
        assert stockholm.office.code == "sodertorn"
        assert stockholm.retention_months == 18
        assert setting("stats_min_cell_size") == "5"
        actions = [
            (event.action, event.actor_label)
            for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if not event.action.startswith("user.created")
        ]
    assert actions == [
        ("user.invited", "system"),
        ("user.updated", "system"),
        ("municipality.office_changed", "system"),
        ("municipality.retention_changed", "system"),
        ("settings.changed", "system"),
        ("taxonomy.term_added", "system"),
        ("taxonomy.term_renamed", "system"),
        ("taxonomy.term_retired", "system"),
        ("user.deactivated", "system"),
    ]


def test_rebuild_stats_takes_in_new_cases(app, runner):
    with app.app_context():
        new_case()
        new_case()
        db.session.commit()
    result = runner.invoke(args=["rebuild-stats"])
    assert result.exit_code == 0, result.output
    assert "2 cases added" in result.output
    result = runner.invoke(args=["rebuild-stats", "--full"])
    assert "2 cases added" in result.output
    assert len(_events(app, "stats.rebuilt")) == 2
