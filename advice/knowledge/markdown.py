"""Article Markdown to safe HTML: markdown-it-py parses, nh3 (Ammonia) sanitises.

Two layers, so that neither alone has to be perfect:

1. markdown-it-py in CommonMark mode with ``html`` off: raw HTML the author typed is
   text, shown escaped; links with ``javascript:``, ``vbscript:``, ``file:`` or ``data:``
   targets are not made into links. Tables and strikethrough are on.
2. nh3 with an allow-list of tags, attributes, classes and URL schemes cleans the result,
   so whatever a future parser option or plugin lets through, no script, event handler,
   style or foreign element survives.

Headings move down so that the article's top level is <h2> (the page's <h1> is the
article's title; authors write "#" or, as the editor's hint says, "##") and get ids that
links can point to; links to other sites get ``rel="noopener noreferrer"``; images must
be on this site (a remote image would tell a third party who reads the article).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

EXTERNAL_REL = "noopener noreferrer"
# Ids the page around an article already uses; a heading never takes them.
RESERVED_IDS = frozenset({"main"})

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


_MARKDOWN = _parser()


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: Markup
    headings: list[Heading] = field(default_factory=list)


def slugify(text: str) -> str:
    """ASCII words joined by hyphens: "Värmepumpens livslängd" → "varmepumpens-livslangd"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


def _is_external(href: str) -> bool:
    return bool(re.match(r"(?i)^(https?:)?//", href))


def _prepare(tokens: list[Token]) -> list[Heading]:
    """Shift headings, give them ids, mark external links and tables; in place."""
    headings: list[Heading] = []
    used: set[str] = set(RESERVED_IDS)
    levels = [int(token.tag[1]) for token in tokens if token.type == "heading_open"]
    # The top level becomes <h2>, right under the title: no level is skipped.
    shift = 2 - min(levels) if levels else 0
    for position, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
        if token.type == "heading_open":
            title = _inline_text(tokens[position + 1])
            base = slugify(title) or "avsnitt"
            anchor, suffix = base, 1
            while anchor in used:
                suffix += 1
                anchor = f"{base}-{suffix}"
            used.add(anchor)
            token.attrSet("id", anchor)
            headings.append(Heading(int(token.tag[1]), anchor, title))
        elif token.type == "table_open":
            token.attrSet("class", "table")
        elif token.type in ("th_open", "td_open"):
            token.attrs.pop("style", None)  # alignment as an inline style: refused by the CSP
        elif token.type == "inline":
            for child in token.children or []:
                if child.type == "link_open" and _is_external(str(child.attrGet("href") or "")):
                    child.attrSet("rel", EXTERNAL_REL)
    return headings


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if (
        tag == "img"
        and attribute == "src"
        and not (value.startswith("/") and not value.startswith("//"))
    ):
        return None
    return value


def sanitise(html: str) -> str:
    """Keep only the allow-listed elements, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        tag_attribute_values={"a": {"rel": {EXTERNAL_REL}}},
        allowed_classes={"table": {"table"}},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
        attribute_filter=_keep_attribute,
    )


def render(source: str) -> Rendered:
    """Safe HTML for an article body, with its headings for a table of contents."""
    env: dict[str, object] = {}
    tokens = _MARKDOWN.parse(source or "", env)
    headings = _prepare(tokens)
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env)
    # The one place where HTML from an author's text becomes Markup: after sanitising.
    return Rendered(html=Markup(sanitise(html)), headings=headings)  # noqa: S704


def plain_text(source: str) -> str:
    """The words of a Markdown text without its markup, for the search index."""
    blocks = []
    for token in _MARKDOWN.parse(source or ""):
        if token.type == "inline":
            blocks.append(_inline_text(token))
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content)
    return "\n".join(block.strip() for block in blocks if block.strip())


def reply_text(source: str) -> str:
    """An article as plain text for a reply by email: paragraphs, list items with
    dashes, and links written out after their text."""
    blocks: list[str] = []
    prefix = ""
    ordered: list[int] = []
    for token in _MARKDOWN.parse(source or ""):
        if token.type == "bullet_list_open":
            ordered.append(0)
        elif token.type == "ordered_list_open":
            ordered.append(1)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            ordered.pop()
        elif token.type == "list_item_open":
            if ordered and ordered[-1]:
                prefix = f"{ordered[-1]}. "
                ordered[-1] += 1
            else:
                prefix = "– "
        elif token.type == "inline":
            parts: list[str] = []
            href = ""
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append("\n")
                elif child.type == "link_open":
                    href = str(child.attrGet("href") or "")
                    start = len(parts)
                elif child.type == "link_close" and href:
                    if "".join(parts[start:]).strip() != href:
                        parts.append(f" ({href})")
                    href = ""
            text = "".join(parts).strip()
            if text:
                indent = "  " * max(0, len(ordered) - 1) if prefix else ""
                blocks.append(indent + prefix + text)
            prefix = ""
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content.rstrip())
    # List items stay together; other blocks are paragraphs.
    text = ""
    for block in blocks:
        is_item = bool(re.match(r"\s*(– |\d+\. )", block))
        if text:
            text += "\n" if is_item and re.search(r"(^|\n)\s*(– |\d+\. )[^\n]*$", text) else "\n\n"
        text += block
    return text
