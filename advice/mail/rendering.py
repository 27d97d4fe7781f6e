"""Turning a mail template into a subject, a plain-text part and an HTML part.

Each email is a pair of templates, ``templates/mail/<name>.txt`` and ``.html``. The text
template defines ``{% block subject %}``; the HTML template gets the rendered ``subject``
for its ``<title>``. Both render under ``force_locale(language)``, so every string, date
and number follows the recipient's language rather than the language of the request (an
adviser's reply in a Swedish session still reaches an English-speaking requester in
English).

Templates are rendered straight from the Jinja environment, without Flask's context
processors: those describe a web page (navigation, the signed-in user) and need a request,
while emails are also rendered by commands. HTML output is autoescaped; user text goes
through ``paragraphs`` (escape first, then mark up line breaks and web addresses), never
``|safe``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from linkify_it import LinkifyIt
from markupsafe import Markup, escape

_BLANK_LINES = re.compile(r"\n\s*\n")
# Only addresses written out with http:// or https:// become links (an adviser's reply
# pointing to an article): nothing is guessed from a bare domain or email address.
_LINKS = LinkifyIt(options={"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def paragraphs(text: str | None) -> Markup:
    """User text as HTML: escaped, blank lines start a paragraph, single newlines break."""
    if not text:
        return Markup("")
    normalised = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    blocks = [block.strip("\n") for block in _BLANK_LINES.split(normalised) if block.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(
            Markup("<br>\n").join(_linked(line) for line in block.split("\n"))
        )
        for block in blocks
    )


def _linked(line: str) -> Markup:
    """One line of user text, escaped, its http(s) addresses as links."""
    html = Markup("")
    end = 0
    for found in _LINKS.match(line) or []:
        if found.schema not in ("http:", "https:"):
            continue
        html += escape(line[end : found.index])
        html += Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(
            found.url, found.text
        )
        end = found.last_index
    return html + escape(line[end:])


def render_mail(template: str, language: str, **context: Any) -> RenderedMail:
    """Render ``mail/<template>.txt`` and ``.html`` in ``language``."""
    environment = current_app.jinja_env
    context = {"language": language, "paragraphs": paragraphs, **context}
    with force_locale(language):
        text_template = environment.get_template(f"mail/{template}.txt")
        template_context = text_template.new_context(dict(context))
        subject = "".join(text_template.blocks["subject"](template_context))
        # A header is one line: collapse whatever the template or the data brought.
        subject = _WHITESPACE.sub(" ", subject).strip()
        text = text_template.render(context)
        html = environment.get_template(f"mail/{template}.html").render(
            {**context, "subject": subject}
        )
    return RenderedMail(subject=subject, text=_tidy_text(text), html=html)


def _tidy_text(text: str) -> str:
    """No trailing spaces and at most one blank line in a row, whatever the template did."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if not line and tidy and not tidy[-1]:
            continue
        tidy.append(line)
    return "\n".join(tidy) + "\n"
