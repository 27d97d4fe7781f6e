"""Article Markdown is rendered with markdown-it-py and sanitised with nh3: nothing an
author types can run in a reader's browser."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from advice.knowledge.markdown import plain_text, render, reply_text, sanitise
from tests.test_knowledge import publish_article, two_advisers


@pytest.fixture
def staff(make_user: Any) -> tuple[Any, Any]:
    return two_advisers(make_user)


ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">klick</a>',
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](vbscript:msgbox(1))",
    "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<svg onload=alert(1)>",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
]


class _Elements(HTMLParser):
    """The real elements and attributes of some HTML (not what is escaped as text)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("attack", ATTACKS)
def test_nothing_executable_survives(attack: str) -> None:
    html = str(render(f"Text före.\n\n{attack}\n\nText efter.").html)
    for tag, attributes in _Elements(html).found:
        assert tag in {"p", "a", "img", "strong", "em"}
        assert not [name for name in attributes if name.startswith("on") or name == "style"]
        for name in ("href", "src"):
            value = (attributes.get(name) or "").lower().strip()
            assert not value.startswith(("javascript:", "vbscript:", "data:")), value


def test_raw_html_is_shown_as_text() -> None:
    html = str(render('<b onclick="x()">fet</b>').html)
    assert html.strip() == '<p>&lt;b onclick="x()"&gt;fet&lt;/b&gt;</p>'


def test_sanitiser_alone_removes_what_a_parser_might_let_through() -> None:
    dirty = (
        '<p onclick="x()">a</p><script>alert(1)</script><a href="javascript:x()">b</a>'
        '<a href="https://example.org" rel="opener">c</a><h2 id="ok" style="color:red">d</h2>'
    )
    assert (
        sanitise(dirty) == '<p>a</p><a>b</a><a href="https://example.org">c</a><h2 id="ok">d</h2>'
    )


def test_external_links_get_noopener_noreferrer_and_internal_ones_do_not() -> None:
    html = str(render("[ute](https://www.energimyndigheten.se) och [hemma](/kb/solceller)").html)
    assert '<a href="https://www.energimyndigheten.se" rel="noopener noreferrer">ute</a>' in html
    assert '<a href="/kb/solceller">hemma</a>' in html


def test_headings_move_below_the_title_and_get_unique_anchors() -> None:
    rendered = render("# Värmepumpens livslängd\n\n## Kostnad\n\n## Kostnad\n\n# Main")
    html = str(rendered.html)
    assert '<h2 id="varmepumpens-livslangd">Värmepumpens livslängd</h2>' in html
    assert '<h3 id="kostnad">Kostnad</h3>' in html
    assert '<h3 id="kostnad-2">Kostnad</h3>' in html
    assert '<h2 id="main-2">Main</h2>' in html  # never the page's own skip-link target
    assert [h.anchor for h in rendered.headings][:2] == ["varmepumpens-livslangd", "kostnad"]


def test_an_article_whose_top_headings_are_level_two_skips_no_level() -> None:
    html = str(render("## Huvudregeln\n\n### Undantag\n\n## Ansökan").html)
    assert '<h2 id="huvudregeln">Huvudregeln</h2>' in html
    assert '<h3 id="undantag">Undantag</h3>' in html
    assert '<h2 id="ansokan">Ansökan</h2>' in html


def test_tables_work_without_inline_styles_and_remote_images_are_dropped() -> None:
    html = str(
        render("| a | b |\n|--:|:-:|\n| 1 | 2 |\n\n![bild](https://tracker.example/p.png)").html
    )
    assert '<table class="table">' in html
    assert "style=" not in html
    assert "tracker.example" not in html


def test_plain_text_and_reply_text_leave_the_markup_out() -> None:
    source = (
        "## Rubrik\n\nLäs **mer** hos [Skatteverket](https://www.skatteverket.se).\n\n- ett\n- två"
    )
    assert plain_text(source) == "Rubrik\nLäs mer hos Skatteverket.\nett\ntvå"
    assert reply_text(source) == (
        "Rubrik\n\nLäs mer hos Skatteverket (https://www.skatteverket.se).\n\n– ett\n– två"
    )


def test_the_public_page_shows_an_attack_as_harmless_text(app, client, staff):
    author, reviewer = staff
    with app.app_context():
        article = publish_article(
            author, reviewer, body="<script>alert('x')</script>\n\n[a](javascript:alert(1))"
        )
        slug = article.slug
    html = client.get(f"/kb/{slug}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(" in html
    assert 'href="javascript' not in html
