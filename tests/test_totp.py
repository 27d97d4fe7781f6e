"""The second factor: enrolment, two-step sign-in, replay, recovery codes, enforcement by
role, switching off, the admin's reset, and the sealing of the secret."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from advice.accounts import sealing, totp
from advice.accounts.models import LoginAttempt, RecoveryCode, User
from advice.admin.services import update_settings
from advice.audit.models import AuditEvent
from advice.extensions import db
from tests.conftest import TEST_PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T0 = datetime(2026, 11, 27, 12, 0, 10, tzinfo=UTC)
CODE_PATTERN = re.compile(r"<code>([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})</code>")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The time the code checks see; 30 seconds make one step."""
    current = Clock()
    monkeypatch.setattr(totp, "utcnow", lambda: current.now)
    return current


def _code(at: datetime, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(at)


def _enrol(app: Any, user: Any, clock: Clock) -> list[str]:
    """Switch the second factor on for ``user`` with SECRET, as if at ``clock.now``."""
    with app.app_context():
        account = db.session.get(User, user.id)
        codes = totp.confirm_enrolment(account, SECRET, _code(clock.now))
        db.session.commit()
    return codes


def _actions(app: Any) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _sign_in(client: Any, user: Any) -> Any:
    return client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})


# --- Enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_key_and_switches_on_with_a_right_code(
    app, client, make_user, login, clock
):
    user = make_user()
    login(user)
    page = client.get("/account/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title>" in svg
    assert "style=" not in svg and "<script" not in html
    secret = re.search(r'<code class="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', html)[1]
    secret = secret.replace(" ", "")
    assert len(secret) == 32
    # The same key until it is confirmed: reloading the page does not change it.
    assert secret.replace(" ", "") in client.get("/account/two-factor").get_data(
        as_text=True
    ).replace(" ", "")

    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 400
    assert "Koden stämmer inte" in wrong.get_data(as_text=True)

    right = client.post("/account/two-factor", data={"code": _code(clock.now, secret)})
    assert right.status_code == 200
    assert right.headers["Cache-Control"] == "no-store"
    codes = CODE_PATTERN.findall(right.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10

    with app.app_context():
        account = db.session.get(User, user.id)
        assert account.totp_enabled
        # Sealed at rest: neither the key nor the codes are in the database as such.
        assert secret not in account.totp_secret and account.totp_secret.startswith("v1.")
        assert totp.unseal(account.totp_secret, f"user:{user.id}") == secret
        hashes = set(db.session.scalars(select(RecoveryCode.code_hash)))
        assert not hashes & set(codes)
        assert hashes == {totp.hash_recovery_code(code) for code in codes}
    assert "totp.enrolled" in _actions(app)
    # Enrolling ended other sessions but not this one.
    assert client.get("/account").status_code == 200


def test_enrolment_ends_the_accounts_other_sessions(app, make_user, clock):
    user = make_user()
    other = app.test_client()
    _sign_in(other, user)
    assert other.get("/account").status_code == 200
    this = app.test_client()
    _sign_in(this, user)
    html = this.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', html)[1]
    this.post("/account/two-factor", data={"code": _code(clock.now, secret.replace(" ", ""))})
    assert this.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


# --- Signing in -----------------------------------------------------------------------------


def test_sign_in_takes_the_password_then_a_code(app, client, make_user, clock):
    user = make_user()
    _enrol(app, user, clock)
    clock.advance(60)
    first = _sign_in(client, user)
    assert first.status_code == 302 and first.location.endswith("/login/code")
    # Between the steps nobody is signed in.
    assert client.get("/queue").location.startswith("/login")
    assert client.get("/login/code").status_code == 200

    done = client.post("/login/code", data={"code": _code(clock.now)})
    assert done.status_code == 302 and done.location.endswith("/queue")
    assert client.get("/queue").status_code == 200
    actions = _actions(app)
    assert "login.password_accepted" in actions
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "login.succeeded")
        ).one()
        assert event.details == {"second_factor": "totp"} and event.actor_id == user.id
        assert db.session.get(User, user.id).last_login_at is not None


def test_the_code_step_keeps_the_page_asked_for(app, client, make_user, clock):
    user = make_user()
    _enrol(app, user, clock)
    clock.advance(60)
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "next": "/kb"})
    done = client.post("/login/code", data={"code": _code(clock.now)})
    assert done.location.endswith("/kb")


def test_a_wrong_code_is_refused_and_counts_towards_throttling(app, client, make_user, clock):
    user = make_user()
    _enrol(app, user, clock)
    clock.advance(60)
    _sign_in(client, user)
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 200
    assert "Koden stämmer inte" in wrong.get_data(as_text=True)
    assert client.get("/queue").status_code == 302
    with app.app_context():
        failures = db.session.scalars(
            select(LoginAttempt).where(LoginAttempt.succeeded.is_(False))
        ).all()
        assert [attempt.email for attempt in failures] == [user.email]
    assert "totp.code_failed" in _actions(app)

    for _ in range(4):
        client.post("/login/code", data={"code": "123456"})
    throttled = client.post("/login/code", data={"code": _code(clock.now)})
    assert throttled.status_code == 429
    assert client.get("/queue").status_code == 302


def test_a_code_is_good_once_even_within_its_window(app, make_user, clock):
    user = make_user()
    _enrol(app, user, clock)
    clock.advance(60)
    code = _code(clock.now)
    first = app.test_client()
    _sign_in(first, user)
    assert first.post("/login/code", data={"code": code}).status_code == 302

    second = app.test_client()
    _sign_in(second, user)
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 200
    assert "redan använts" in replay.get_data(as_text=True)
    # The step before the last one used is within the window, but older: refused too.
    earlier = second.post("/login/code", data={"code": _code(clock.now - timedelta(seconds=30))})
    assert earlier.status_code == 200
    clock.advance(30)
    assert second.post("/login/code", data={"code": _code(clock.now)}).status_code == 302


def test_a_code_from_a_neighbouring_step_is_accepted(app, client, make_user, clock):
    user = make_user()
    _enrol(app, user, clock)
    clock.advance(120)
    _sign_in(client, user)
    # A phone clock half a minute behind.
    late = _code(clock.now - timedelta(seconds=30))
    assert client.post("/login/code", data={"code": late}).status_code == 302


def test_the_code_step_times_out(app, client, make_user, clock, monkeypatch):
    import advice.accounts.views as views

    user = make_user()
    _enrol(app, user, clock)
    _sign_in(client, user)
    monkeypatch.setattr(views, "PENDING_SIGN_IN_SECONDS", -1)
    response = client.post("/login/code", data={"code": _code(clock.now + timedelta(seconds=60))})
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_recovery_code_signs_in_once(app, make_user, clock):
    user = make_user()
    codes = _enrol(app, user, clock)
    client = app.test_client()
    _sign_in(client, user)
    # Typed loosely: capitals, no dashes, spaces.
    typed = codes[3].replace("-", " ").upper()
    done = client.post("/login/code", data={"code": typed}, follow_redirects=True)
    assert done.status_code == 200
    assert "9 reservkoder kvar" in done.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "totp.recovery_code_used")
        ).one()
        assert event.details == {"purpose": "sign_in", "left": 9}
        assert totp.recovery_codes_left(db.session.get(User, user.id)) == 9

    again = app.test_client()
    _sign_in(again, user)
    spent = again.post("/login/code", data={"code": codes[3]})
    assert spent.status_code == 200
    assert again.get("/queue").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(app, client, make_user, clock):
    user = make_user()
    old = _enrol(app, user, clock)
    clock.advance(60)
    _sign_in(client, user)
    client.post("/login/code", data={"code": _code(clock.now)})
    clock.advance(30)
    page = client.post("/account/two-factor/recovery-codes", data={"renew-code": _code(clock.now)})
    assert page.status_code == 200
    new = CODE_PATTERN.findall(page.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    with app.app_context():
        account = db.session.get(User, user.id)
        assert not totp._spend_recovery_code(account, old[0])
        assert totp._spend_recovery_code(account, new[0])
    assert "totp.recovery_codes_renewed" in _actions(app)


# --- Switching off --------------------------------------------------------------------------


def test_switching_off_takes_the_password_and_a_code(app, client, make_user, clock):
    user = make_user()
    _enrol(app, user, clock)
    clock.advance(60)
    _sign_in(client, user)
    client.post("/login/code", data={"code": _code(clock.now)})
    clock.advance(30)
    wrong_password = client.post(
        "/account/two-factor/disable",
        data={"disable-password": "not it", "disable-code": _code(clock.now)},
    )
    assert wrong_password.status_code == 400
    wrong_code = client.post(
        "/account/two-factor/disable",
        data={"disable-password": TEST_PASSWORD, "disable-code": "111111"},
    )
    assert wrong_code.status_code == 400
    with app.app_context():
        assert db.session.get(User, user.id).totp_enabled
    done = client.post(
        "/account/two-factor/disable",
        data={"disable-password": TEST_PASSWORD, "disable-code": _code(clock.now)},
    )
    assert done.status_code == 302
    with app.app_context():
        account = db.session.get(User, user.id)
        assert not account.totp_enabled and account.totp_secret is None
        assert db.session.scalars(select(RecoveryCode)).all() == []
    assert "totp.disabled" in _actions(app)
    client.post("/logout")
    assert _sign_in(client, user).location.endswith("/queue")


# --- Required by role -----------------------------------------------------------------------


def _require(app: Any, roles: str) -> None:
    with app.app_context():
        update_settings({"totp_required_roles": roles})
        db.session.commit()


def test_a_role_that_requires_it_goes_to_enrolment_and_nowhere_else(app, client, make_user, clock):
    _require(app, "admin coordinator")
    coordinator = make_user(roles=("coordinator",), offices=())
    first = _sign_in(client, coordinator)
    assert first.location.endswith("/account/two-factor")
    for path in ("/stats", "/admin", "/account", "/kb/nonexistent-but-public"):
        response = client.get(path)
        if path.startswith("/kb"):
            assert response.status_code == 404  # public pages stay as they are
        else:
            assert response.location.endswith("/account/two-factor"), path
    assert client.post("/account", data={"language": "en"}).location.endswith("/account/two-factor")
    html = client.get("/account/two-factor").get_data(as_text=True)
    assert "Din roll kräver tvåstegsverifiering" in html
    secret = re.search(r'<code class="totp-secret"[^>]*>([A-Z2-7 ]+)</code>', html)[1]
    client.post("/account/two-factor", data={"code": _code(clock.now, secret.replace(" ", ""))})
    assert client.get("/stats").status_code == 200


def test_a_role_without_the_requirement_is_not_asked(app, client, make_user):
    _require(app, "admin")
    adviser = make_user()
    assert _sign_in(client, adviser).location.endswith("/queue")
    assert client.get("/queue").status_code == 200


def test_a_required_second_factor_cannot_be_switched_off(app, client, make_user, clock):
    admin = make_user(roles=("admin",), offices=())
    _enrol(app, admin, clock)
    _require(app, "admin")
    clock.advance(60)
    _sign_in(client, admin)
    client.post("/login/code", data={"code": _code(clock.now)})
    clock.advance(30)
    response = client.post(
        "/account/two-factor/disable",
        data={"disable-password": TEST_PASSWORD, "disable-code": _code(clock.now)},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, admin.id).totp_enabled


def test_the_admin_sets_the_required_roles_on_the_security_page(app, client, make_user, login):
    admin = make_user(roles=("admin",), offices=())
    login(admin)
    assert client.get("/admin/security").status_code == 200
    response = client.post(
        "/admin/security",
        data={"totp_required_roles": ["admin", "coordinator"], "audit_retention_months": "18"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert totp.required_roles() == {"admin", "coordinator"}
        from advice.regions.services import setting

        assert setting("totp_required_roles") == "coordinator admin"
        assert setting("audit_retention_months") == "18"
    assert "settings.changed" in _actions(app)


def test_a_coordinator_may_not_change_security_settings(app, client, make_user, login):
    login(make_user(roles=("coordinator",), offices=()))
    assert client.get("/admin/security").status_code == 403
    assert client.post("/admin/security", data={"audit_retention_months": "1"}).status_code == 403


# --- The admin's reset ----------------------------------------------------------------------


def test_an_admin_resets_a_lost_second_factor_and_the_users_sessions_end(app, make_user, clock):
    user = make_user()
    _enrol(app, user, clock)
    clock.advance(60)
    users_client = app.test_client()
    _sign_in(users_client, user)
    users_client.post("/login/code", data={"code": _code(clock.now)})
    assert users_client.get("/queue").status_code == 200

    admin = make_user(roles=("admin",), offices=())
    admins_client = app.test_client()
    _sign_in(admins_client, admin)
    assert f"/admin/users/{user.id}/two-factor/reset" in admins_client.get(
        f"/admin/users/{user.id}"
    ).get_data(as_text=True)
    response = admins_client.post(f"/admin/users/{user.id}/two-factor/reset")
    assert response.status_code == 302

    assert users_client.get("/queue").status_code == 302  # signed out
    with app.app_context():
        assert not db.session.get(User, user.id).totp_enabled
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "totp.reset")
        ).one()
        assert event.actor_id == admin.id and event.object_id == str(user.id)
    assert _sign_in(app.test_client(), user).location.endswith("/queue")


def test_only_an_admin_resets_and_not_their_own(app, client, make_user, login, clock):
    user = make_user()
    _enrol(app, user, clock)
    login(make_user(roles=("coordinator",), offices=()))
    assert client.post(f"/admin/users/{user.id}/two-factor/reset").status_code == 403
    admin = make_user(roles=("admin",), offices=())
    _enrol(app, admin, clock)
    with app.app_context():
        assert db.session.get(User, user.id).totp_enabled
    admins_client = app.test_client()
    _sign_in(admins_client, admin)
    clock.advance(60)
    admins_client.post("/login/code", data={"code": _code(clock.now)})
    admins_client.post(f"/admin/users/{admin.id}/two-factor/reset")
    with app.app_context():
        assert db.session.get(User, admin.id).totp_enabled


def test_the_command_line_resets_a_second_factor(app, runner, make_user, clock):
    user = make_user()
    _enrol(app, user, clock)
    result = runner.invoke(args=["reset-second-factor", user.email.upper()])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert not db.session.get(User, user.id).totp_enabled
    assert "totp.reset" in _actions(app)


# --- Sealing --------------------------------------------------------------------------------


def test_a_sealed_secret_opens_only_in_its_own_row_and_under_known_keys(app):
    with app.app_context():
        sealed = sealing.seal(SECRET, "user:1")
        assert sealing.unseal(sealed, "user:1") == SECRET
        with pytest.raises(sealing.SealBroken):
            sealing.unseal(sealed, "user:2")
        tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
        with pytest.raises(sealing.SealBroken):
            sealing.unseal(tampered, "user:1")
        old_key = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = "a-new-secret-key-after-rotation-long-enough"
        try:
            with pytest.raises(sealing.SealBroken):
                sealing.unseal(sealed, "user:1")
            app.config["SECRET_KEY_FALLBACKS"] = [old_key]
            assert sealing.unseal(sealed, "user:1") == SECRET
            assert not sealing.sealed_under_current_key(sealed, "user:1")
            resealed = sealing.reseal(sealed, "user:1")
            assert sealing.sealed_under_current_key(resealed, "user:1")
        finally:
            app.config["SECRET_KEY"] = old_key
            app.config.pop("SECRET_KEY_FALLBACKS", None)


def test_reseal_secrets_moves_every_secret_to_the_current_key(app, runner, make_user, clock):
    user = make_user()
    _enrol(app, user, clock)
    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-new-secret-key-after-rotation-long-enough"
    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    try:
        result = runner.invoke(args=["reseal-secrets"])
        assert result.exit_code == 0 and "resealed 1 secrets" in result.output
        app.config["SECRET_KEY_FALLBACKS"] = []
        with app.app_context():
            account = db.session.get(User, user.id)
            assert sealing.unseal(account.totp_secret, f"user:{user.id}") == SECRET
    finally:
        app.config["SECRET_KEY"] = old_key
        app.config.pop("SECRET_KEY_FALLBACKS", None)
