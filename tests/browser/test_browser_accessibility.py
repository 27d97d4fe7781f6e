"""axe-core on every page type, public and staff, in Swedish and English: no violations
of WCAG 2.1 A and AA.

The pages come from ``pages.PAGES``, which must cover every HTML page of the URL map
(``test_every_html_page_is_checked``); each test id names the page, its state and the
language. axe is injected with ``page.evaluate``: the app's Content-Security-Policy
(scripts from its own origin only) would block a script tag.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest

from tests.browser.harness import AXE_SCRIPT, Checks, require
from tests.browser.pages import LANGUAGES, NOT_HTML, PAGES, PageState

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@cache
def axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def get_endpoints(checks: Checks) -> set[str]:
    return {
        rule.endpoint
        for rule in checks.server.app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
    }


def test_every_html_page_is_checked(checks: Checks) -> None:
    endpoints = get_endpoints(checks)
    checked = {state.endpoint for state in PAGES if state.endpoint}
    missing = sorted(endpoints - checked - NOT_HTML.keys())
    assert not missing, (
        f"GET routes in neither pages.PAGES nor pages.NOT_HTML: {missing}. Add a page state "
        "(with the data it needs in world.py), or say in NOT_HTML why it is not a page."
    )
    stale = sorted((checked | NOT_HTML.keys()) - endpoints)
    assert not stale, f"pages.py names routes that no longer exist: {stale}"
    assert not checked & NOT_HTML.keys()
    assert len({state.id for state in PAGES}) == len(PAGES), "page state ids must be unique"


def test_the_routes_left_out_are_not_pages(checks: Checks) -> None:
    """Each route in NOT_HTML answers someone with something other than HTML, and nobody
    with an HTML page: the exclusion list cannot hide a page from the checks."""
    rules = {
        rule.endpoint: rule
        for rule in checks.server.app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
    }
    # Visitors reach the public routes, advisers every other one left out here.
    roles = ("anonymous", "adviser")
    contexts = {role: checks.context(role, "sv") for role in roles}
    problems = []
    try:
        for endpoint in sorted(NOT_HTML.keys() & rules.keys()):
            url = re.sub(
                r"<(?:[a-z]+:)?(\w+)>",
                lambda match: str(checks.world.values[match.group(1)]),
                rules[endpoint].rule,
            )
            answers = []
            for role, context in contexts.items():
                response = context.request.get(url, max_redirects=0)
                answers.append((role, response.status, response.headers.get("content-type", "")))
            pages = [a for a in answers if 200 <= a[1] < 300 and a[2].startswith("text/html")]
            other = [a for a in answers if not a[2].startswith("text/html")]
            if pages or not other:
                problems.append(f"{endpoint} {url}: {answers}")
    finally:
        for context in contexts.values():
            context.close()
    assert not problems, "routes in NOT_HTML that answer with HTML:\n" + "\n".join(problems)


def _violations(results: dict[str, Any]) -> list[str]:
    found = []
    for violation in results["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        summary = violation["nodes"][0].get("failureSummary", "") if violation["nodes"] else ""
        summary = re.sub(r"\s+", " ", summary)[:400]
        found.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    at {targets}\n    {summary}"
        )
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("state", PAGES, ids=[state.id for state in PAGES])
def test_page_has_no_accessibility_violations(
    checks: Checks, state: PageState, language: str
) -> None:
    require(npm_tools=AXE_SCRIPT.exists())
    context = checks.context(state.role, language)
    try:
        page = context.new_page()
        state.open(page, checks.world.values)
        assert page.locator("html").get_attribute("lang") == language
        page.evaluate(axe_source())
        results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    finally:
        context.close()
    violations = _violations(results)
    assert not violations, f"{state.id} ({language}):\n" + "\n".join(violations)


def test_axe_runs_under_the_content_security_policy_and_finds_a_planted_fault(
    checks: Checks,
) -> None:
    """The check itself works: an image without a text alternative, added to a real page
    of the app (under its CSP), is reported."""
    require(npm_tools=AXE_SCRIPT.exists())
    context = checks.context("anonymous", "sv")
    try:
        page = context.new_page()
        page.goto("/")
        page.evaluate(
            """() => {
                const image = document.createElement("img");
                image.src = "/static/images/logo.svg";
                document.querySelector("main").append(image);
            }"""
        )
        page.evaluate(axe_source())
        results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    finally:
        context.close()
    assert [violation["id"] for violation in results["violations"]] == ["image-alt"]
