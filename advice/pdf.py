"""PDF documents from Jinja templates (``templates/pdf/``) through WeasyPrint.

The renderer gets plain data, never ORM objects, and fetches nothing on a template's
behalf from the network or the file system: its URL fetcher answers ``data:`` URLs and a
short allow-list of named assets (the DejaVu fonts, the logo) and refuses everything
else, so an address that finds its way into a document (``file:///etc/passwd``,
``http://169.254.169.254/``) is never read.

Every document is A4 with the print stylesheet ``templates/pdf/print.css``, DejaVu fonts
embedded, title, author and language in its metadata, and tagged as PDF/UA-1 (falling
back to a plainly tagged PDF should WeasyPrint refuse the variant for some content).

The fonts and the stylesheet are loaded once per thread and reused: loading the fonts
costs more than laying out a one-page document.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup
from weasyprint import CSS, HTML, default_url_fetcher
from weasyprint.text.fonts import FontConfiguration

from advice.clock import utcnow

log = logging.getLogger(__name__)

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
STYLESHEET = REPOSITORY_ROOT / "templates" / "pdf" / "print.css"
LOGO = REPOSITORY_ROOT / "static" / "images" / "logo.svg"
DEFAULT_FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
# The font files print.css names as asset:fonts/<file>; nothing else in the folder is served.
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
    "DejaVuSansMono.ttf",
)
ASSET_SCHEME = "asset:"
PDF_VARIANT = "pdf/ua-1"
GENERATOR = "advice (WeasyPrint)"


class FetchRefused(ValueError):
    """A document asked for a resource outside the allow-list."""


@dataclass(frozen=True)
class PdfMetadata:
    """What the PDF says about itself: shown by viewers, read by archives and screen readers."""

    title: str
    author: str
    language: str
    subject: str | None = None
    keywords: tuple[str, ...] = ()
    created: datetime = field(default_factory=utcnow)


def asset_map(font_folder: Path = DEFAULT_FONT_FOLDER) -> dict[str, Path]:
    """The only files a document may load, by their ``asset:`` URL."""
    assets = {f"{ASSET_SCHEME}fonts/{name}": font_folder / name for name in FONT_FILES}
    assets[f"{ASSET_SCHEME}logo.svg"] = LOGO
    return assets


def make_url_fetcher(assets: Mapping[str, Path]) -> Callable[..., dict[str, Any]]:
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and the named assets only."""

    def fetch(url: str, timeout: int = 10, ssl_context: Any = None, **_: Any) -> dict[str, Any]:
        if url.startswith("data:"):
            # urllib's data: handler decodes in memory; nothing is opened.
            return default_url_fetcher(url)
        path = assets.get(url)
        if path is None:
            raise FetchRefused(f"PDF documents load no external resources: {url[:200]!r}")
        return {"string": path.read_bytes(), "redirected_url": url}

    return fetch


_CSS_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\a ", "\r": "", "<": "\\3c ", ">": "\\3e "}


def css_string(value: str) -> Markup:
    """A CSS string literal for text that a template puts into a ``<style>`` block.

    HTML escaping does not work inside ``<style>``, so this escapes for CSS instead,
    ``<`` and ``>`` too: an office named ``</style>…`` stays text.
    """
    escaped = "".join(_CSS_ESCAPES.get(character, character) for character in str(value))
    return Markup(f'"{escaped}"')  # noqa: S704 (escaped for CSS above)


_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")


def page_counter_content(label: str) -> Markup:
    """A translated "Page %(page)s of %(pages)s" as the value of a CSS ``content``."""
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(label):
        if match.start() > position:
            parts.append(str(css_string(label[position : match.start()])))
        parts.append(f"counter({match.group(1)})")
        position = match.end()
    if position < len(label):
        parts.append(str(css_string(label[position:])))
    return Markup(" ".join(parts) or 'counter(page) " / " counter(pages)')  # noqa: S704


@dataclass
class _Resources:
    key: tuple[Any, ...]
    fonts: FontConfiguration
    stylesheet: CSS
    fetcher: Callable[..., dict[str, Any]]


_local = threading.local()


def _resources() -> _Resources:
    """This thread's fonts and parsed stylesheet, reloaded when print.css changes."""
    font_folder = Path(current_app.config.get("PDF_FONT_FOLDER") or DEFAULT_FONT_FOLDER)
    key = (str(font_folder), STYLESHEET.stat().st_mtime_ns)
    cached: _Resources | None = getattr(_local, "resources", None)
    if cached is not None and cached.key == key:
        return cached
    fetcher = make_url_fetcher(asset_map(font_folder))
    fonts = FontConfiguration()
    stylesheet = CSS(
        string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher, font_config=fonts
    )
    _local.resources = _Resources(key, fonts, stylesheet, fetcher)
    return _local.resources


def _w3c_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_html(template: str, context: Mapping[str, Any], metadata: PdfMetadata) -> str:
    """The document's HTML, in the document's language (also useful to debug a layout)."""
    environment = current_app.jinja_env
    with force_locale(metadata.language):
        return environment.get_template(template).render(
            {
                **context,
                "document": metadata,
                "css_string": css_string,
                "number": format_decimal,
                "page_counter": page_counter_content(_("Sida %(page)s av %(pages)s")),
            }
        )


def render(template: str, context: Mapping[str, Any], metadata: PdfMetadata) -> bytes:
    """Render ``templates/<template>`` with ``context`` (plain data) to PDF bytes."""
    html = render_html(template, context, metadata)
    resources = _resources()
    source = HTML(string=html, url_fetcher=resources.fetcher, base_url=None)
    options: dict[str, Any] = {"pdf_variant": PDF_VARIANT}
    try:
        return _write(source, resources, metadata, options)
    except Exception:
        # The PDF/UA variant is stricter than the engine is for some content; a tagged
        # PDF without the conformance claim is still far better than no document.
        log.exception("pdf: %s as %s failed; writing a tagged PDF instead", template, PDF_VARIANT)
        options = {"pdf_tags": True}
        return _write(source, resources, metadata, options)


def _write(
    source: HTML, resources: _Resources, metadata: PdfMetadata, options: dict[str, Any]
) -> bytes:
    document = source.render(
        stylesheets=[resources.stylesheet], font_config=resources.fonts, **options
    )
    document.metadata.title = metadata.title
    document.metadata.authors = [metadata.author]
    document.metadata.lang = metadata.language
    document.metadata.description = metadata.subject
    document.metadata.keywords = list(metadata.keywords)
    document.metadata.generator = GENERATOR
    document.metadata.created = document.metadata.modified = _w3c_date(metadata.created)
    # Without a target, WeasyPrint returns the bytes.
    return bytes(document.write_pdf(**options))
