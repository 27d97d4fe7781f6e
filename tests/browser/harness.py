"""What the browser tests share: the tools they need, contexts, servers, screenshots,
signing in, and the page checks' world of signed-in readers.

Chromium is Debian's /usr/bin/chromium, driven by Playwright (never `playwright install`).
Without Chromium, Java or the npm tools (``make browser-tools``) the tests skip and say
why, unless ``ADVICE_REQUIRE_BROWSER=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.live_server import REPOSITORY, LiveServer
from tests.conftest import TEST_PASSWORD

REQUIRE_BROWSER = os.environ.get("ADVICE_REQUIRE_BROWSER") == "1"
CHROMIUM = Path(os.environ.get("ADVICE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying hosts this machine cannot reach.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
NODE_MODULES = Path(__file__).resolve().parent / "node_modules"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = REPOSITORY / "test-artifacts" / "browser"
VIEWPORT = {"width": 1280, "height": 900}
# Actions and assertions wait this long: the machine may be busy with the rest of the suite.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


def require(**needs: bool) -> None:
    """Skip (or, with ADVICE_REQUIRE_BROWSER=1, fail) unless every named need is met."""
    missing = [NEEDS[name] for name, present in needs.items() if not present]
    if not missing:
        return
    message = "browser tests need " + "; ".join(missing)
    if REQUIRE_BROWSER:
        pytest.fail(message)
    pytest.skip(message)


NEEDS = {
    "chromium": f"Chromium at {CHROMIUM} (Debian package chromium)",
    "java": "Java 17 or later (Debian package default-jre-headless)",
    "npm_tools": "axe-core and vnu-jar in tests/browser/node_modules (make browser-tools)",
}


def have_chromium() -> bool:
    return CHROMIUM.exists()


def have_java() -> bool:
    return shutil.which("java") is not None


# Contexts -----------------------------------------------------------------------------


def new_context(browser: Any, server: LiveServer, **options: Any) -> Any:
    settings: dict[str, Any] = {
        "base_url": server.url,
        "locale": "sv-SE",
        "viewport": VIEWPORT,
        "accept_downloads": True,
    }
    settings.update(options)
    context = browser.new_context(**settings)
    context.set_default_timeout(TIMEOUT_MS)
    return context


# The servers --------------------------------------------------------------------------


class Servers:
    """The app servers of this session, one per backend, started on first use."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.running: dict[str, LiveServer] = {}

    def get(self, backend: str) -> LiveServer:
        if backend not in self.running:
            self.running[backend] = LiveServer(backend, self.base / backend)
        return self.running[backend]

    def stop(self) -> None:
        for server in self.running.values():
            server.stop()


# Screenshots --------------------------------------------------------------------------


class Screenshots:
    """Numbered full-page screenshots of one test's steps under test-artifacts/browser/."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        shutil.rmtree(folder, ignore_errors=True)

    def __call__(self, page: Any, step: str) -> None:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{step}.png"), full_page=True)


# Staff --------------------------------------------------------------------------------


def sign_in(page: Any, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))


# The page checks (accessibility and HTML) ---------------------------------------------


class Checks:
    """One server (SQLite: the markup does not depend on the database) with the data every
    page state needs, and a signed-in browser state per role and language."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        from tests.browser.pages import LANGUAGES
        from tests.browser.world import build_world

        self.browser = browser
        self.server = server
        self.world = build_world(server, LANGUAGES)
        self._states: dict[tuple[str, str], Any] = {}

    def context(self, role: str, language: str) -> Any:
        """A new context as ``role`` (or nobody: "anonymous") reading in ``language``:
        staff by their account's language, visitors by their browser's."""
        locale = {"sv": "sv-SE", "en": "en-GB"}[language]
        # The header for requests made outside the page (context.request) too.
        reader = {"locale": locale, "extra_http_headers": {"Accept-Language": locale}}
        if role == "anonymous":
            return new_context(self.browser, self.server, **reader)
        key = (role, language)
        if key not in self._states:
            context = new_context(self.browser, self.server)
            page = context.new_page()
            sign_in(page, self.world.users[key].email)
            if key in self.world.recovery_codes:
                page.locator("main input[name=code]").fill(self.world.recovery_codes[key].pop())
                with page.expect_navigation():
                    page.locator("main form[action$='/login/code'] button[type=submit]").click()
                assert not page.url.endswith("/login/code"), "the recovery code was refused"
            self._states[key] = context.storage_state()
            context.close()
        return new_context(self.browser, self.server, storage_state=self._states[key], **reader)
