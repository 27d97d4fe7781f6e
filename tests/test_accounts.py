from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from advice.accounts.models import LoginAttempt, User
from advice.audit.models import AuditEvent
from advice.clock import utcnow
from advice.extensions import db
from advice.privacy.services import run_retention


def test_staff_signs_in_and_lands_on_a_signed_in_page(client, make_user):
    user = make_user(name="Åke Strömberg")
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "Åke Strömberg" in page.get_data(as_text=True)


def test_email_is_matched_case_insensitively(client, make_user):
    user = make_user(email="karin.nilsson@example.org")
    response = client.post(
        "/login", data={"email": " Karin.Nilsson@Example.org ", "password": user.password}
    )
    assert response.status_code == 302


def test_wrong_password_is_refused_with_a_message(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "Fel e-postadress eller lösenord" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # still signed out: the form shows


def test_deactivated_user_cannot_sign_in(app, client, make_user):
    user = make_user()
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 200
    assert "Fel e-postadress eller lösenord" in response.get_data(as_text=True)


def test_sign_in_redirects_to_a_local_next_page_only(client, make_user):
    user = make_user()
    response = client.post(
        "/login",
        data={"email": user.email, "password": user.password, "next": "https://evil.example/x"},
    )
    assert response.headers["Location"].startswith("/")
    assert "evil" not in response.headers["Location"]


def test_sixth_attempt_for_one_account_is_throttled_even_with_the_right_password(client, make_user):
    user = make_user()
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong"})
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 429
    assert "För många misslyckade inloggningsförsök" in response.get_data(as_text=True)


def test_one_client_guessing_across_accounts_is_throttled(client, make_user):
    victims = [make_user() for _ in range(5)]
    for victim in victims:
        client.post("/login", data={"email": victim.email, "password": "wrong"})
    fresh = make_user()
    response = client.post("/login", data={"email": fresh.email, "password": fresh.password})
    assert response.status_code == 429


def test_throttling_ends_when_the_window_has_passed(app, client, make_user):
    app.config["LOGIN_FAILURE_WINDOW_SECONDS"] = 0
    user = make_user()
    for _ in range(6):
        client.post("/login", data={"email": user.email, "password": "wrong"})
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 302


def test_retention_removes_sign_in_attempts_once_throttling_no_longer_reads_them(
    app, client, make_user
):
    user = make_user()
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong"})
    window = timedelta(seconds=app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    with app.app_context():
        assert run_retention(dry_run=False, now=utcnow() + window / 2).login_attempts == 0
        db.session.commit()
    # Still inside the window: the attempts throttle, as before the retention ran.
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 429
    with app.app_context():
        later = utcnow() + window + timedelta(minutes=1)
        assert run_retention(dry_run=True, now=later).login_attempts == 5
        db.session.rollback()
        assert run_retention(dry_run=False, now=later).login_attempts == 5
        db.session.commit()
        assert db.session.scalar(select(LoginAttempt.id)) is None
        # The audit log still tells what happened.
        failed = select(AuditEvent).where(AuditEvent.action == "login.failed")
        assert len(db.session.scalars(failed).all()) == 5


def test_sign_in_attempts_are_audited(app, client, make_user):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": "wrong"})
    client.post("/login", data={"email": user.email, "password": user.password})
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert "login.failed" in actions
    assert "login.succeeded" in actions


def test_logout_ends_the_session(client, make_user, login):
    user = make_user(roles=("coordinator",), offices=())
    login(user)
    assert client.get("/login").status_code == 302  # signed in: the form redirects away
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/login").status_code == 200


def test_logout_page_asks_for_confirmation_rather_than_signing_out_on_get(client, make_user, login):
    login(make_user())
    assert client.get("/logout").status_code == 200
    assert client.get("/login").status_code == 302  # still signed in


def test_password_change_ends_existing_sessions(app, client, make_user, login):
    from advice.accounts.services import set_password

    user = make_user()
    login(user)
    with app.app_context():
        set_password(db.session.get(User, user.id), "a new long passphrase")
        db.session.commit()
    assert client.get("/login").status_code == 200  # the old session no longer counts


def test_create_user_command_asks_for_the_password_and_stores_a_hash(app, runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "ny.radgivare@example.org",
            "--name",
            "Ny Rådgivare",
            "--role",
            "adviser",
            "--office",
            "stockholm",
        ],
        input="ett långt lösenord\nett långt lösenord\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalars(
            select(User).where(User.email == "ny.radgivare@example.org")
        ).one()
        assert user.roles == {"adviser"}
        assert [office.code for office in user.offices] == ["stockholm"]
        assert user.password_hash.startswith("$argon2id$")
        assert "ett långt lösenord" not in result.output


def test_create_user_command_refuses_an_unknown_office(runner):
    result = runner.invoke(
        args=["create-user", "--email", "x@example.org", "--name", "X", "--office", "nowhere"],
        input="pw-pw-pw-pw\npw-pw-pw-pw\n",
    )
    assert result.exit_code != 0
    assert "nowhere" in result.output


def test_an_adviser_chooses_a_daily_digest_instead_of_each_case(app, client, make_user, login):
    user = make_user()
    login(user)
    assert client.get("/account").status_code == 200
    response = client.post("/account", data={"language": "en", "notify": "daily"})
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.get(User, user.id)
        assert (stored.notify, stored.language) == ("daily", "en")


def test_a_coordinator_has_no_notification_setting(app, client, make_user, login):
    login(make_user(roles=("coordinator",), offices=()))
    page = client.get("/account").get_data(as_text=True)
    assert 'name="notify"' not in page
    assert client.post("/account", data={"language": "sv"}).status_code == 302
