"""The Nu Html Checker over the HTML of every page type, in Swedish and English: no errors.

Each page state of ``pages.PAGES`` is opened as its user sees it; the server's response
(or, for states the script builds, the page as the script left it) is saved under
test-artifacts/browser/html/, and one Java run checks every file: each start of Java
costs about a second.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.browser.harness import ARTIFACTS, VNU_JAR, Checks, have_java, require
from tests.browser.pages import LANGUAGES, PAGES, PageState

HTML_FOLDER = ARTIFACTS / "html"


def _html(state: PageState, page: Any, values: dict[str, Any]) -> str:
    if state.path is None:
        return state.open(page, values)
    # A plain page needs no rendering: the server's answer is what gets checked.
    url = state.path.format(**values)
    response = page.request.get(url, max_redirects=0)
    assert response.status == state.status, f"{url}: HTTP {response.status}"
    return str(response.text())


def _save_every_page(checks: Checks) -> list[Path]:
    shutil.rmtree(HTML_FOLDER, ignore_errors=True)
    HTML_FOLDER.mkdir(parents=True)
    saved = []
    for language in LANGUAGES:
        for role in dict.fromkeys(state.role for state in PAGES):
            context = checks.context(role, language)
            try:
                page = context.new_page()
                for state in (state for state in PAGES if state.role == role):
                    html = _html(state, page, checks.world.values)
                    assert f'<html lang="{language}"' in html, f"{state.id} not in {language}"
                    path = HTML_FOLDER / f"{state.id}-{language}.html"
                    path.write_text(html, encoding="utf-8")
                    saved.append(path)
            finally:
                context.close()
    return saved


def _validate(files: list[Path]) -> list[dict[str, object]]:
    completed = subprocess.run(  # noqa: S603 (our own arguments)
        [
            str(shutil.which("java")),
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--stdout",
            "--exit-zero-always",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return list(json.loads(completed.stdout)["messages"])


def test_every_page_is_valid_html(checks: Checks) -> None:
    require(java=have_java(), npm_tools=VNU_JAR.exists())
    files = _save_every_page(checks)
    assert len(files) == len(PAGES) * len(LANGUAGES)
    errors = [message for message in _validate(files) if message.get("type") == "error"]
    report = [
        f"{Path(str(message.get('url', ''))).name}:{message.get('lastLine', '?')}: "
        f"{message.get('message')}\n    {str(message.get('extract', '')).strip()[:200]}"
        for message in errors
    ]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(report)
