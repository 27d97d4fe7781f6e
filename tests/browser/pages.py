"""Every page type of the app, and how to open it in the state its users see it.

``PAGES`` lists the states the accessibility and HTML checks open. Together with
``NOT_HTML`` it must account for every GET endpoint of the URL map: a new page without a
line here fails ``test_every_html_page_is_checked``, so no page escapes the checks.
Paths are filled from the data that ``world.build_world`` makes.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import expect

from advice.config import Defaults
from tests.browser.journeys import QUESTION, unique_email
from tests.browser.serve import FAULT_HEADER, RATE_LIMIT_HEADER
from tests.conftest import TEST_PASSWORD

LANGUAGES = ("sv", "en")

# What a state's opener returns: the HTML to validate (the server's own response, or the
# page after the script has changed it).
Opener = Callable[[Any, dict[str, Any]], str]


@dataclass(frozen=True)
class PageState:
    id: str  # the test id: the endpoint, and what state the page is in
    endpoint: str | None  # None: an error page, which belongs to no one route
    role: str  # anonymous, or a role of world.ROLES
    open: Opener
    # For a plain GET: the path (before filling in) and the status the page answers with.
    path: str | None = None
    status: int = 200


def _checked(response: Any, status: int, what: str) -> str:
    assert response is not None, what
    assert response.status == status, f"{what}: HTTP {response.status}, expected {status}"
    return str(response.text())


def get(path: str, status: int = 200) -> Opener:
    def open_page(page: Any, values: dict[str, Any]) -> str:
        url = path.format(**values)
        return _checked(page.goto(url), status, url)

    return open_page


def visit(id: str, endpoint: str | None, role: str, path: str, status: int = 200) -> PageState:
    """A page that a GET of ``path`` shows as it is."""
    return PageState(id, endpoint, role, get(path, status), path, status)


def get_with(path: str, headers: dict[str, str], status: int) -> Opener:
    """A GET of ``path`` with ``headers`` added to the request for the page itself (not
    for its stylesheet and images): the page the server answers with."""

    def open_page(page: Any, values: dict[str, Any]) -> str:
        url = path.format(**values)

        def is_the_page(address: str) -> bool:
            parts = urlsplit(address)
            return parts.path + (f"?{parts.query}" if parts.query else "") == url

        def add_headers(route: Any) -> None:
            route.continue_(headers={**route.request.headers, **headers})

        page.route(is_the_page, add_headers)
        try:
            return _checked(page.goto(url), status, url)
        finally:
            page.unroute(is_the_page, add_headers)

    return open_page


def fault(id: str, role: str, path: str, kind: str, status: int) -> PageState:
    """An error page as the server answers when the request meets the fault ``kind``
    (serve.py's test switch: ``database``, ``bug`` or ``unauthorised``)."""
    return PageState(id, None, role, get_with(path, {FAULT_HEADER: kind}, status))


def submit(
    path: str, button: str, fill: Callable[[Any], None] | None = None, status: int = 400
) -> Opener:
    """Open ``path``, fill in what ``fill`` fills (nothing: an empty form) and press the
    ``button`` (a CSS selector inside <main>, the same in every language): the page the
    server answers with, typically with its validation errors."""

    def open_page(page: Any, values: dict[str, Any]) -> str:
        url = path.format(**values)
        _checked(page.goto(url), 200, url)
        if fill:
            fill(page)
        with page.expect_navigation() as navigation:
            page.locator(f"main {button}").click()
        return _checked(navigation.value, status, f"{button} on {url}")

    return open_page


def form_button(action: str) -> str:
    """The submit button of the form that posts to ``action`` (the end of its path)."""
    return f"form[action$='{action}'] button[type=submit]"


def _ask_suggestions(page: Any, values: dict[str, Any]) -> str:
    _checked(page.goto("/ask"), 200, "/ask")
    page.locator("#question").fill(QUESTION)
    expect(page.locator("[data-kb-suggest-results] li").first).to_be_visible()
    return str(page.content())


def _ask_received(page: Any, values: dict[str, Any]) -> str:
    _checked(page.goto("/ask"), 200, "/ask")
    page.locator("#municipality").select_option(label="Stockholm")
    page.locator("#requester_type-0").check()
    page.locator("#topics-0").check()
    page.locator("#question").fill(QUESTION)
    page.locator("#name").fill("Åsa Öberg")
    page.locator("#email").fill(unique_email("check"))
    page.locator("#consent").check()
    with page.expect_navigation(url="**/ask/received/**") as navigation:
        page.locator(form_button("/ask")).click()
    return _checked(navigation.value, 200, "the receipt after /ask")


# Well past the failed lookups of tracking links one client may make (30 a minute).
TRACKING_GUESSES_AT_MOST = 250


def _guessing_tracking_links(page: Any, values: dict[str, Any]) -> str:
    """Someone trying tracking links: once the limit on failed lookups is spent, the next
    is refused. Only requests with the header count (serve.py), so no other test is."""
    limited = {RATE_LIMIT_HEADER: "on"}
    for attempt in range(TRACKING_GUESSES_AT_MOST):
        response = page.request.get(f"/track/guess-{attempt}", headers=limited)
        if response.status == 429:
            break
        assert response.status == 404, f"a guessed tracking link: HTTP {response.status}"
    else:
        raise AssertionError(f"{TRACKING_GUESSES_AT_MOST} failed lookups were not refused")
    return get_with("/track/one-more-guess", limited, 429)(page, values)


@cache
def _too_large_file() -> Path:
    """A file a little over the most the server accepts in one request (sparse: free)."""
    folder = Path(tempfile.mkdtemp(prefix="advice-browser-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "film-av-elementen.mp4"
    with path.open("wb") as file:
        file.truncate(Defaults.MAX_CONTENT_LENGTH + 1024 * 1024)
    return path


def _ask_with_too_large_file(page: Any, values: dict[str, Any]) -> str:
    """A citizen attaches a film larger than the whole request may be."""
    _checked(page.goto("/ask"), 200, "/ask")
    page.locator("#municipality").select_option(label="Stockholm")
    page.locator("#requester_type-0").check()
    page.locator("#topics-0").check()
    page.locator("#question").fill(QUESTION)
    page.locator("#email").fill(unique_email("too-large"))
    page.locator("#consent").check()
    page.locator("#attachments").set_input_files(_too_large_file())
    with page.expect_navigation() as navigation:
        page.locator(form_button("/ask")).click()
    return _checked(navigation.value, 413, "a too large file on /ask")


def _case_article_search(page: Any, values: dict[str, Any]) -> str:
    url = "/cases/{reference}".format(**values)
    _checked(page.goto(url), 200, url)
    page.locator(".kb-insert summary").click()
    page.locator("#kb-insert-q").fill("värmepump")
    page.locator("form[data-kb-insert] button[type=submit]").click()
    expect(page.locator("[data-kb-insert-results] li").first).to_be_visible()
    return str(page.content())


def _login_code(page: Any, values: dict[str, Any]) -> str:
    """The second step of signing in, for an account with two-step verification."""
    _checked(page.goto("/login"), 200, "/login")
    page.locator("#email").fill(values["second_factor_email"])
    page.locator("#password").fill(TEST_PASSWORD)
    with page.expect_navigation(url="**/login/code") as navigation:
        page.locator(form_button("/login")).click()
    return _checked(navigation.value, 200, "/login/code")


def _login_code_wrong(page: Any, values: dict[str, Any]) -> str:
    _login_code(page, values)
    _wrong_code(page)
    with page.expect_navigation() as navigation:
        page.locator(form_button("/login/code")).click()
    return _checked(navigation.value, 200, "a wrong code on /login/code")


def _enrolled(page: Any, values: dict[str, Any]) -> str:
    """A new adviser switches two-step verification on and sees the recovery codes."""
    _checked(page.goto("/login"), 200, "/login")
    language = page.locator("html").get_attribute("lang")
    page.locator("#email").fill(values["new_adviser"](language))
    page.locator("#password").fill(TEST_PASSWORD)
    with page.expect_navigation():
        page.locator(form_button("/login")).click()
    _checked(page.goto("/account/two-factor"), 200, "/account/two-factor")
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    page.locator("main input[name=code]").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation() as navigation:
        page.locator(form_button("/account/two-factor")).click()
    html = _checked(navigation.value, 200, "the first code on /account/two-factor")
    expect(page.locator(".recovery-codes li").first).to_be_visible()
    return html


def _wrong_code(page: Any) -> None:
    page.locator("main input[name=code]").fill("000000")


def _asa(page: Any) -> None:
    page.locator("#email").fill("asa.oberg@example.com")


def _new_key(page: Any) -> None:
    page.locator("#name").fill("Nämndens rapportverktyg")
    page.locator("#scopes-0").check()


def _invite(page: Any) -> None:
    page.locator("#email").fill(unique_email("invited"))
    page.locator("#name").fill("Ingrid Inbjuden")
    page.locator("#roles-0").check()


def _wrong_password(page: Any) -> None:
    page.locator("#email").fill("nobody@example.org")
    page.locator("#password").fill("wrong password")


PAGES: list[PageState] = [
    # The public site.
    visit("public.index", "public.index", "anonymous", "/"),
    visit("public.privacy", "public.privacy", "anonymous", "/integritet"),
    visit("public.accessibility", "public.accessibility", "anonymous", "/tillganglighet"),
    visit("errors.404", None, "anonymous", "/no-such-page", 404),
    PageState("errors.413", None, "anonymous", _ask_with_too_large_file),
    PageState("errors.429", None, "anonymous", _guessing_tracking_links),
    # The database gone while a citizen opens the form.
    fault("errors.503", "anonymous", "/ask", "database", 503),
    # No page answers a browser with 401 (the API answers JSON, pages send visitors to
    # the sign-in page); the page as the error handler renders it, should one ever do.
    fault("errors.401", "anonymous", "/kb", "unauthorised", 401),
    # A status with no page of its own (errors/generic.html): a range past a file's end.
    PageState(
        "errors.generic",
        None,
        "anonymous",
        get_with("/static/css/advice.css", {"Range": "bytes=999999999-"}, 416),
    ),
    visit("intake.ask", "intake.ask", "anonymous", "/ask"),
    PageState(
        "intake.ask-with-errors", "intake.ask", "anonymous", submit("/ask", form_button("/ask"))
    ),
    PageState("intake.ask-with-suggestions", "intake.ask", "anonymous", _ask_suggestions),
    PageState("intake.received", "intake.received", "anonymous", _ask_received),
    visit("tracking.track", "tracking.track", "anonymous", "/track/{token}"),
    PageState(
        "tracking.track-with-errors",
        "tracking.track",
        "anonymous",
        submit("/track/{token}", form_button("/reply")),
    ),
    visit(
        "tracking.satisfaction",
        "tracking.satisfaction",
        "anonymous",
        "/track/{token}/satisfaction?score=5",
    ),
    visit("knowledge.public_index", "knowledge.public_index", "anonymous", "/kb"),
    visit(
        "knowledge.public_index-search",
        "knowledge.public_index",
        "anonymous",
        "/kb?q=v%C3%A4rmepumpar",
    ),
    visit(
        "knowledge.public_index-topic",
        "knowledge.public_index",
        "anonymous",
        "/kb?topic={topic_id}",
    ),
    visit("knowledge.public_article", "knowledge.public_article", "anonymous", "/kb/{slug}"),
    visit("accounts.login", "accounts.login", "anonymous", "/login"),
    PageState(
        "accounts.login-with-errors",
        "accounts.login",
        "anonymous",
        submit("/login", form_button("/login"), _wrong_password, status=200),
    ),
    visit(
        "admin.accept_invitation",
        "admin.accept_invitation",
        "anonymous",
        "/invitation/{invitation}",
    ),
    visit(
        "admin.accept_invitation-invalid",
        "admin.accept_invitation",
        "anonymous",
        "/invitation/no-such-invitation",
        404,
    ),
    PageState("accounts.login_code", "accounts.login_code", "anonymous", _login_code),
    PageState(
        "accounts.login_code-wrong-code", "accounts.login_code", "anonymous", _login_code_wrong
    ),
    # Advisers.
    visit("accounts.logout", "accounts.logout", "adviser", "/logout"),
    visit("accounts.settings", "accounts.settings", "adviser", "/account"),
    visit("accounts.two_factor", "accounts.two_factor", "adviser", "/account/two-factor"),
    visit("accounts.two_factor-on", "accounts.two_factor", "second_factor", "/account/two-factor"),
    PageState("accounts.two_factor-enrolled", "accounts.two_factor", "anonymous", _enrolled),
    PageState(
        "accounts.two_factor-with-errors",
        "accounts.two_factor",
        "adviser",
        submit("/account/two-factor", form_button("/account/two-factor"), _wrong_code),
    ),
    visit("api_docs.page", "api_docs.page", "adviser", "/api-docs"),
    visit("privacy.export_search", "privacy.export_search", "adviser", "/privacy/export"),
    PageState(
        "privacy.export_search-found",
        "privacy.export_search",
        "adviser",
        submit("/privacy/export", form_button("/privacy/export"), _asa, status=200),
    ),
    visit("cases.queue", "cases.queue", "adviser", "/queue?assignee=any&status=all"),
    visit("cases.queue-search", "cases.queue", "adviser", "/queue?q=asa.oberg%40example.com"),
    visit("cases.case_page", "cases.case_page", "adviser", "/cases/{reference}"),
    PageState(
        "cases.case_page-reply-errors",
        "cases.case_page",
        "adviser",
        submit("/cases/{reference}", form_button("/reply")),
    ),
    PageState("cases.case_page-article-search", "cases.case_page", "adviser", _case_article_search),
    visit("cases.new_contact", "cases.new_contact", "adviser", "/cases/new"),
    PageState(
        "cases.new_contact-with-errors",
        "cases.new_contact",
        "adviser",
        submit("/cases/new", form_button("/cases/new")),
    ),
    visit("inbound.case_mail", "inbound.case_mail", "adviser", "/inbound/cases/{email_reference}"),
    visit(
        "knowledge.case_articles",
        "knowledge.case_articles",
        "adviser",
        "/cases/{reference}/articles?q=v%C3%A4rmepump",
    ),
    visit(
        "knowledge.reply_with_article",
        "knowledge.reply_with_article",
        "adviser",
        "/cases/{reference}/reply-with-article?article={article_id}&mode=text",
    ),
    visit("knowledge.staff_index", "knowledge.staff_index", "adviser", "/articles"),
    visit("knowledge.new_article", "knowledge.new_article", "adviser", "/articles/new"),
    PageState(
        "knowledge.new_article-with-errors",
        "knowledge.new_article",
        "adviser",
        submit("/articles/new", "button[value=save]"),
    ),
    PageState(
        "knowledge.edit_article-preview",
        "knowledge.edit_article",
        "adviser",
        submit("/articles/{draft_id}/edit", "button[value=preview]", status=200),
    ),
    visit(
        "knowledge.staff_article", "knowledge.staff_article", "adviser", "/articles/{article_id}"
    ),
    visit(
        "knowledge.staff_article-in-review",
        "knowledge.staff_article",
        "coordinator",
        "/articles/{in_review_id}",
    ),
    visit(
        "knowledge.article_revision",
        "knowledge.article_revision",
        "adviser",
        "/articles/{draft_id}/revisions/1",
    ),
    visit(
        "knowledge.article_diff",
        "knowledge.article_diff",
        "adviser",
        "/articles/{draft_id}/diff?from=1&to=2",
    ),
    # The coordinator.
    visit("stats.index", "stats.index", "coordinator", "/stats"),
    visit(
        "stats.index-period-error",
        "stats.index",
        "coordinator",
        "/stats?period=custom&from=2026-05-01&to=2026-04-01",
        400,
    ),
    visit("errors.403", None, "coordinator", "/queue", 403),
    # A view's own reason on the error page: the national report is for quarters and years.
    visit("errors.400", None, "coordinator", "/stats/report.csv?period=2026-01", 400),
    visit("errors.405", None, "adviser", "/cases/{reference}/claim", 405),
    # An unexpected error while an adviser opens the queue (the page keeps to the shell
    # that needs no database).
    fault("errors.500", "adviser", "/queue", "bug", 500),
    visit("admin.index", "admin.index", "coordinator", "/admin"),
    visit("admin.users", "admin.users", "coordinator", "/admin/users"),
    visit("admin.invite", "admin.invite", "coordinator", "/admin/users/invite"),
    PageState(
        "admin.invite-sent",
        "admin.invite",
        "coordinator",
        submit("/admin/users/invite", form_button("/invite"), _invite, status=200),
    ),
    visit("admin.user", "admin.user", "coordinator", "/admin/users/{user_id}"),
    visit("admin.offices", "admin.offices", "coordinator", "/admin/offices"),
    visit("admin.new_office", "admin.new_office", "coordinator", "/admin/offices/new"),
    visit("admin.office", "admin.office", "coordinator", "/admin/offices/{office_id}"),
    visit("admin.taxonomies", "admin.taxonomies", "coordinator", "/admin/taxonomies"),
    visit("admin.new_term", "admin.new_term", "coordinator", "/admin/taxonomies/{kind}/new"),
    visit("admin.term", "admin.term", "coordinator", "/admin/taxonomies/{kind}/{term_id}"),
    visit("admin.settings", "admin.settings", "coordinator", "/admin/settings"),
    # The administrator.
    visit("inbound.quarantine", "inbound.quarantine", "admin", "/inbound/quarantine"),
    visit("ops.failed_work", "ops.failed_work", "admin", "/admin/jobs"),
    visit("admin.security", "admin.security", "admin", "/admin/security"),
    visit("admin.integrations", "admin.integrations", "admin", "/admin/integrations"),
    PageState(
        "admin.integrations-key-created",
        "admin.integrations",
        "admin",
        submit("/admin/integrations", form_button("/admin/integrations"), _new_key, 200),
    ),
    visit("audit.log", "audit.log", "admin", "/admin/audit"),
]

# GET endpoints that answer with something other than an HTML page, and why.
NOT_HTML: dict[str, str] = {
    "static": "stylesheets, scripts and images",
    "public.healthz": "JSON health check",
    "ops.readyz": "JSON readiness check",
    "ops.metrics": "Prometheus text (404 unless allowed)",
    "tracking.attachment": "the requester's file",
    "cases.attachment": "a case's file",
    "documents.tracking_summary": "PDF",
    "documents.case_summary": "PDF",
    "documents.case_record": "PDF",
    "knowledge.suggestions": "JSON for the /ask script",
    "knowledge.reuse_search": "JSON for the case page's article insert",
    "stats.export_csv": "CSV download",
    "stats.export_xlsx": "XLSX download",
    "stats.report_csv": "CSV download",
    "stats.report_xlsx": "XLSX download",
    "stats.report_pdf": "PDF download",
    "api.list_articles": "JSON API",
    "api.get_article": "JSON API",
    "api.taxonomy": "JSON API",
    "api.openapi_document": "JSON API description",
    "api.stats": "JSON API (integration keys only)",
    "api.my_queue": "JSON API (personal tokens only)",
    "api.get_case": "JSON API (personal tokens only)",
    "privacy.export_json": "a contact's data as a JSON download",
    "privacy.export_pdf": "a contact's data as a PDF download",
}
