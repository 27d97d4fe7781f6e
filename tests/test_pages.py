"""The page shell, the language switch, the start and sign-in pages and every error page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask, abort, url_for
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests


def _html(response) -> str:
    return response.get_data(as_text=True)


def assert_no_inline_code(html: str) -> None:
    """The Content-Security-Policy forbids inline styles and scripts."""
    assert 'style="' not in html
    assert "<style" not in html
    assert "<script>" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> element"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def _add_public_route(app: Flask, rule: str, view: Callable[[], object]) -> None:
    view.is_public = True  # type: ignore[attr-defined]
    app.add_url_rule(rule, rule.strip("/"), view)


# The page shell -----------------------------------------------------------------


def test_start_page_is_swedish_with_a_skip_link_first(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Language": "sv"})
    html = _html(response)
    assert response.status_code == 200
    assert '<html lang="sv">' in html
    body = html.split("<body>", 1)[1]
    first_link = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body)
    assert first_link is not None
    assert 'href="#main"' in first_link.group(0)
    assert '<main id="main"' in html
    assert "Fråga en energi- och klimatrådgivare" in html
    assert "Energimyndigheten" in html
    assert_no_inline_code(html)


def test_swedish_is_the_default_without_a_language_preference(client: FlaskClient) -> None:
    html = _html(client.get("/"))
    assert '<html lang="sv">' in html


def test_start_page_names_the_coordinator_from_the_region_settings(client: FlaskClient) -> None:
    html = _html(client.get("/"))
    assert "Regionala energikontoret" in html
    assert 'href="mailto:energikontoret@example.org"' in html


def test_start_page_offers_the_public_features_that_exist(app: Flask, client: FlaskClient) -> None:
    from advice.templating import PUBLIC_NAVIGATION

    html = _html(client.get("/"))
    with app.test_request_context():
        urls = [
            url_for(item.endpoint)
            for item in PUBLIC_NAVIGATION
            if item.endpoint in app.view_functions and item.endpoint != "public.index"
        ]
    for url in urls:
        assert f'class="card__link" href="{url}"' in html
    if not urls:
        assert 'class="notice hero__actions"' in html


def test_language_switch_is_a_post_form_that_returns_to_the_same_page(
    client: FlaskClient,
) -> None:
    html = _html(client.get("/login?next=/queue", headers={"Accept-Language": "sv"}))
    form = re.search(r'<form class="language-switch"[^>]*>(.*?)</form>', html, re.S)
    assert form is not None
    assert 'method="post"' in form.group(0)
    assert 'action="/language"' in form.group(0)
    assert 'name="csrf_token"' in form.group(1)
    assert 'name="next" value="/login?next=/queue"' in form.group(1)
    assert 'value="en" lang="en">English</button>' in form.group(1)


def test_choosing_english_translates_the_site_and_is_remembered(client: FlaskClient) -> None:
    response = client.post("/language", data={"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    html = _html(client.get("/"))
    assert '<html lang="en">' in html
    assert "Ask an energy and climate adviser" in html
    assert "Skip to main content" in html
    assert 'value="sv" lang="sv">Svenska</button>' in html
    assert "Fråga en energi- och klimatrådgivare" not in html

    # Remembered: a later request, even one asking for Swedish, stays English.
    again = _html(client.get("/", headers={"Accept-Language": "sv"}))
    assert '<html lang="en">' in again


def test_switching_back_to_swedish(client: FlaskClient) -> None:
    client.post("/language", data={"language": "en", "next": "/"})
    client.post("/language", data={"language": "sv", "next": "/"})
    assert '<html lang="sv">' in _html(client.get("/"))


@pytest.mark.csrf
def test_language_switch_works_with_csrf_protection_on(client: FlaskClient) -> None:
    html = _html(client.get("/"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None
    response = client.post(
        "/language", data={"language": "en", "next": "/", "csrf_token": token.group(1)}
    )
    assert response.status_code == 302
    assert '<html lang="en">' in _html(client.get("/"))


@pytest.mark.csrf
def test_language_switch_without_a_token_is_refused_with_the_400_page(
    client: FlaskClient,
) -> None:
    response = client.post("/language", data={"language": "en", "next": "/"})
    assert response.status_code == 400
    assert "Det gick inte att ta emot det du skickade" in _html(response)


def test_signed_out_visitors_see_a_sign_in_link(client: FlaskClient) -> None:
    html = _html(client.get("/"))
    assert 'href="/login"' in html
    assert 'href="/logout"' not in html


def test_signed_in_staff_see_their_name_and_a_sign_out_link(
    client: FlaskClient, make_user, login
) -> None:
    login(make_user(name="Åsa Lindqvist"))
    html = _html(client.get("/"))
    assert "Åsa Lindqvist" in html
    assert 'href="/logout"' in html
    assert 'href="/login"' not in html
    assert_no_inline_code(html)


def test_sign_in_is_confirmed_in_a_status_message(client: FlaskClient, make_user) -> None:
    user = make_user(name="Åsa Lindqvist")
    response = client.post(
        "/login", data={"email": user.email, "password": user.password}, follow_redirects=True
    )
    html = _html(response)
    status = re.search(r'<div class="flash-messages" role="status">(.*?)</div>', html, re.S)
    assert status is not None
    assert "Du är inloggad som Åsa Lindqvist." in status.group(1)
    assert "flash--success" in status.group(1)


# Sign-in and sign-out -------------------------------------------------------------


def test_login_page_in_swedish(client: FlaskClient) -> None:
    response = client.get("/login")
    html = _html(response)
    assert response.status_code == 200
    assert "<h1>Logga in för personal</h1>" in html
    assert '<label class="field__label" for="email">E-postadress' in html
    assert 'autocomplete="current-password"' in html
    assert_no_inline_code(html)


def test_login_page_in_english(client: FlaskClient) -> None:
    client.post("/language", data={"language": "en", "next": "/login"})
    html = _html(client.get("/login"))
    assert '<html lang="en">' in html
    assert "<h1>Staff sign-in</h1>" in html
    assert "Email address" in html
    assert "Password" in html
    assert ">Sign in</button>" in html


def test_empty_sign_in_lists_the_errors_and_links_them_to_the_fields(
    client: FlaskClient,
) -> None:
    response = client.post("/login", data={"email": "", "password": ""})
    html = _html(response)
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert summary is not None
    assert '<a href="#email">Ange din e-postadress.</a>' in summary.group(0)
    assert '<a href="#password">Ange ditt lösenord.</a>' in summary.group(0)
    email_input = re.search(r'<input[^>]*id="email"[^>]*>', html)
    assert email_input is not None
    assert 'aria-invalid="true"' in email_input.group(0)
    assert 'aria-describedby="email-error"' in email_input.group(0)
    assert 'id="email-error"' in html
    assert "<title>Fel: Logga in för personal" in html


def test_wrong_password_shows_the_form_error_in_the_summary(client: FlaskClient, make_user) -> None:
    user = make_user()
    html = _html(client.post("/login", data={"email": user.email, "password": "wrong"}))
    summary = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert summary is not None
    assert "<li>Fel e-postadress eller lösenord.</li>" in summary.group(0)
    assert f'value="{user.email}"' in html  # what was typed stays in the form


def test_throttled_sign_in_answers_429_with_the_form_error(client: FlaskClient, make_user) -> None:
    user = make_user()
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong"})
    response = client.post("/login", data={"email": user.email, "password": user.password})
    html = _html(response)
    assert response.status_code == 429
    assert 'class="error-summary" role="alert"' in html
    assert "För många misslyckade inloggningsförsök" in html
    assert '<form class="form stack" method="post"' in html


def test_logout_page_confirms_with_a_post_form(client: FlaskClient, make_user, login) -> None:
    login(make_user(name="Åsa Lindqvist"))
    html = _html(client.get("/logout"))
    form = re.search(r'<form[^>]*action="/logout"[^>]*>(.*?)</form>', html, re.S)
    assert form is not None
    assert 'method="post"' in form.group(0)
    assert 'name="csrf_token"' in form.group(1)
    assert ">Logga ut</button>" in form.group(1)
    assert_no_inline_code(html)


def test_logout_page_for_a_visitor_who_is_not_signed_in(client: FlaskClient) -> None:
    html = _html(client.get("/logout"))
    assert "Du är inte inloggad." in html
    assert "<form" not in html.split('<main id="main"', 1)[1]


def test_signing_out_says_so(client: FlaskClient, make_user, login) -> None:
    login(make_user())
    html = _html(client.post("/logout", follow_redirects=True))
    assert "Du är utloggad." in html
    assert 'href="/login"' in html


# Error pages ----------------------------------------------------------------------


def test_unknown_address_renders_the_404_page(client: FlaskClient) -> None:
    response = client.get("/finns-inte")
    html = _html(response)
    assert response.status_code == 404
    assert "<h1>Sidan finns inte</h1>" in html
    assert "Felkod: 404" in html
    assert 'href="/"' in html
    assert_no_inline_code(html)


def test_404_page_in_english(client: FlaskClient) -> None:
    client.post("/language", data={"language": "en", "next": "/"})
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in _html(response)


def test_wrong_method_renders_the_405_page(client: FlaskClient) -> None:
    response = client.get("/language")
    html = _html(response)
    assert response.status_code == 405
    assert "<h1>Sidan kan inte användas så här</h1>" in html
    assert_no_inline_code(html)


@pytest.mark.parametrize(
    ("status", "heading"),
    [
        (400, "Det gick inte att ta emot det du skickade"),
        (401, "Du behöver logga in"),
        (403, "Du har inte behörighet till sidan"),
        (413, "Filen eller formuläret är för stort"),
        (429, "För många försök"),
        (500, "Något gick fel hos oss"),
        (503, "Tjänsten är tillfälligt otillgänglig"),
        (418, "Något gick fel"),
    ],
)
def test_aborting_with_a_status_renders_its_page(
    app: Flask, client: FlaskClient, status: int, heading: str
) -> None:
    _add_public_route(app, "/probe", lambda: abort(status))
    response = client.get("/probe")
    html = _html(response)
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in html
    assert f"Felkod: {status}" in html
    assert '<html lang="sv">' in html
    assert_no_inline_code(html)


def test_413_page_states_the_file_size_limit(app: Flask, client: FlaskClient) -> None:
    def too_large() -> str:
        raise RequestEntityTooLarge()

    _add_public_route(app, "/upload-probe", too_large)
    response = client.get("/upload-probe")
    assert response.status_code == 413
    assert "10 MB per fil" in _html(response)


def test_429_page_asks_to_wait(app: Flask, client: FlaskClient) -> None:
    def too_many() -> str:
        raise TooManyRequests()

    _add_public_route(app, "/rate-probe", too_many)
    response = client.get("/rate-probe")
    assert response.status_code == 429
    assert "Vänta några minuter och försök sedan igen." in _html(response)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_429_page_of_a_rate_limit_does_not_show_the_limit_in_english(
    client: FlaskClient,
) -> None:
    # Someone guessing tracking links: 30 failed lookups a minute, then refused.
    for attempt in range(30):
        assert client.get(f"/track/guess{attempt:040d}").status_code == 404
    response = client.get("/track/" + "g" * 43)
    html = _html(response)
    assert response.status_code == 429
    assert "<h1>För många försök</h1>" in html
    assert "per 1 minute" not in html
    assert "notice--warning" not in html


@pytest.mark.csrf
def test_400_page_of_a_refused_form_token_does_not_show_the_refusal_in_english(
    client: FlaskClient,
) -> None:
    response = client.post("/login", data={"email": "asa@example.org", "password": "x"})
    html = _html(response)
    assert response.status_code == 400
    assert "<h1>Det gick inte att ta emot det du skickade</h1>" in html
    assert "säkerhetskod har gått ut" in html
    assert "CSRF" not in html
    assert "notice--warning" not in html


def test_a_views_own_reason_is_shown_on_the_error_page(app: Flask, client: FlaskClient) -> None:
    _add_public_route(app, "/reason-probe", lambda: abort(400, description="Okänd kommun."))
    html = _html(client.get("/reason-probe"))
    assert '<p class="notice notice--warning">Okänd kommun.</p>' in html


def test_401_page_offers_sign_in(app: Flask, client: FlaskClient) -> None:
    _add_public_route(app, "/auth-probe", lambda: abort(401))
    html = _html(client.get("/auth-probe"))
    assert 'href="/login"' in html


def test_unexpected_exception_renders_the_500_page_in_swedish(
    app: Flask, client: FlaskClient
) -> None:
    def broken() -> str:
        raise RuntimeError("boom")

    _add_public_route(app, "/broken-probe", broken)
    response = client.get("/broken-probe")
    html = _html(response)
    assert response.status_code == 500
    assert '<html lang="sv">' in html
    assert "<h1>Något gick fel hos oss</h1>" in html
    assert "boom" not in html  # no internals shown
    assert "RuntimeError" not in html
    assert_no_inline_code(html)


def test_500_page_keeps_to_the_minimal_shell_for_a_signed_in_user(
    app: Flask, client: FlaskClient, make_user, login
) -> None:
    def broken() -> str:
        raise RuntimeError("boom")

    _add_public_route(app, "/broken-probe", broken)
    login(make_user(name="Åsa Lindqvist"))
    client.get("/")  # shows, and so clears, the sign-in message naming the user
    response = client.get("/broken-probe")
    html = _html(response)
    assert response.status_code == 500
    assert "Åsa Lindqvist" not in html
    assert 'href="/logout"' not in html
    assert "Något gick fel hos oss" in html


def test_lost_database_renders_the_503_page(app: Flask, client: FlaskClient) -> None:
    def database_gone() -> str:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    _add_public_route(app, "/db-probe", database_gone)
    response = client.get("/db-probe")
    html = _html(response)
    assert response.status_code == 503
    assert "<h1>Tjänsten är tillfälligt otillgänglig</h1>" in html
    assert "Inget som du redan har skickat in har gått förlorat." in html
    assert "connection refused" not in html
    assert_no_inline_code(html)


def test_503_page_in_english(app: Flask, client: FlaskClient) -> None:
    def database_gone() -> str:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    _add_public_route(app, "/db-probe", database_gone)
    client.post("/language", data={"language": "en", "next": "/"})
    response = client.get("/db-probe")
    assert response.status_code == 503
    assert "<h1>The service is temporarily unavailable</h1>" in _html(response)


# Static assets ----------------------------------------------------------------------


def test_stylesheet_and_icons_are_served(client: FlaskClient) -> None:
    for path in ("/static/css/advice.css", "/static/images/favicon.svg", "/static/images/logo.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_the_accessibility_statement_is_public_and_linked_from_every_page(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/tillganglighet"' in home
    page = client.get("/tillganglighet")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tillgänglighetsredogörelse" in html
    assert "Rapportera brister" in html


def test_a_coordinator_lands_on_the_statistics_after_sign_in(client, make_user):
    user = make_user(roles=("coordinator",), offices=())
    response = client.post("/login", data={"email": user.email, "password": user.password})
    assert response.headers["Location"] == "/stats"
