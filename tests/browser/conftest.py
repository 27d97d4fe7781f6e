"""Fixtures of the browser tests: one browser per test session (and xdist worker), a new
context per test, one app server per backend started when a test first needs it (see
``live_server``), and the page checks' server with its data (see ``harness.Checks``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.harness import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Checks,
    Screenshots,
    Servers,
    have_chromium,
    new_context,
    require,
)
from tests.browser.live_server import LiveServer
from tests.conftest import BACKENDS


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require(chromium=have_chromium())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    started = Servers(tmp_path_factory.mktemp("browser"))
    yield started
    started.stop()


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, servers: Servers, browser: Any) -> LiveServer:
    """The app on each backend in turn (the journeys run on SQLite and PostgreSQL)."""
    return servers.get(request.param)


@pytest.fixture
def context(browser: Any, server: LiveServer) -> Iterator[Any]:
    opened = new_context(browser, server)
    yield opened
    opened.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Screenshots:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    return Screenshots(ARTIFACTS / name)


@pytest.fixture(scope="session")
def checks(browser: Any, servers: Servers) -> Checks:
    """The page checks run on SQLite: the markup does not depend on the database."""
    return Checks(browser, servers.get("sqlite"))
