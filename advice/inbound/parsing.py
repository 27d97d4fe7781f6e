"""From raw email bytes to what a case needs: sender, clean text, attachments, threading.

Mail arrives in every encoding Swedish mail clients produce: UTF-8, ISO-8859-1 (often
really Windows-1252), quoted-printable, base64, RFC 2047 encoded headers, and now and
then raw 8-bit headers with no declared charset at all. Text is decoded with the declared
charset where it works and falls back to UTF-8, then Windows-1252, so no message is lost
to a wrong label.

HTML is never kept: it is sanitised with nh3 (the maintained Ammonia sanitiser; scripts,
styles, event handlers and unknown tags go, their content with them for script and style)
and then turned into plain text. Quoted history and signatures are folded away from the
text that enters the timeline but kept, so the adviser can still read them.

Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3

from advice.inbound.models import SYNTHETIC_DOMAIN

MESSAGE_ID_MAX_LENGTH = 255
# Images referenced from the HTML body and smaller than this are decoration (signature
# logos, social icons), not something the requester meant to send.
DECORATION_MAX_BYTES = 20 * 1024

_PARSE_POLICY = policy.default.clone(raise_on_defect=False)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class UnparseableMail(ValueError):
    """A message that cannot become a case: it goes to the quarantine."""


@dataclass(frozen=True)
class MailPart:
    """A file in the message, not yet checked."""

    filename: str
    declared_type: str
    data: bytes
    # Set for a part shown inside the HTML body (Content-ID, not an attachment).
    content_id: str = ""


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str | None
    subject: str
    recipients: list[str]
    in_reply_to: list[str]
    references: list[str]
    date: datetime | None
    text: str
    folded: str
    language: str
    parts: list[MailPart] = field(default_factory=list)
    # Why this is automatic mail ("auto_reply", "bounce", "bulk"), or None for a person.
    automatic: str | None = None
    # The sender asked for no automatic answers (X-Auto-Response-Suppress and the like).
    no_auto_answer: bool = False


@dataclass(frozen=True)
class MailHeaders:
    """What the headers alone tell: enough to answer a message too large to read whole."""

    message_id: str
    sender: str | None
    sender_name: str | None
    subject: str
    recipients: list[str]
    references: list[str]
    automatic: str | None
    no_auto_answer: bool
    language_hint: str | None


# Headers ------------------------------------------------------------------------------


def message_key(raw: bytes) -> str:
    """The Message-ID, normalised, or a stable stand-in for mail without a usable one."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        value = headers.get("Message-ID")
    except Exception:
        value = None
    key = normalise_message_id(str(value) if value is not None else None)
    if key is not None:
        return key
    return f"<{hashlib.sha256(raw).hexdigest()}{SYNTHETIC_DOMAIN}>"


def normalise_message_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _MESSAGE_ID.search(value)
    if match:
        candidate = match.group(0)
    else:
        stripped = value.strip()
        if not stripped or any(ch.isspace() for ch in stripped):
            return None
        candidate = f"<{stripped}>"
    if len(candidate) > MESSAGE_ID_MAX_LENGTH:
        digest = hashlib.sha256(candidate.encode("utf-8", "replace")).hexdigest()
        return f"<{digest}{SYNTHETIC_DOMAIN}>"
    return candidate


def message_ids(value: str | None) -> list[str]:
    """Every ``<id>`` in an In-Reply-To or References header, in order."""
    return _MESSAGE_ID.findall(value or "")


def _header_values(message: Message, name: str) -> list[str]:
    """Every value of a header as readable text, whatever encoding it came in.

    Read from the source: RFC 2047 encoded words decoded with the same charset fallbacks
    as bodies, raw 8-bit bytes (no encoding declared, as some clients still send)
    decoded too, and ISO-8859-1 labels that carry Windows-1252 dashes and quotes read
    as such. (The email package's own header objects are slower and give up on 8-bit.)
    """
    return [_decode_words(value) for value in _raw_values(message, name)]


def _raw_values(message: Message, name: str) -> list[str]:
    wanted = name.lower()
    try:
        items = message.raw_items()
    except Exception:
        return []
    return [
        _unfold(_repair_surrogates(str(value))) for key, value in items if key.lower() == wanted
    ]


def _decode_words(value: str) -> str:
    if "=?" not in value:
        return _c1_as_cp1252(value)
    try:
        chunks = decode_header(value)
    except Exception:  # a broken encoded word stays as it was written
        return value
    text = "".join(
        decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in chunks
    )
    return _c1_as_cp1252(text)


def _header_text(message: Message, name: str) -> str:
    values = _header_values(message, name)
    return values[0] if values else ""


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n[ \t]*", " ", value).strip()


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _repair_surrogates(text: str) -> str:
    """Raw 8-bit bytes in a header come through as surrogate escapes: decode them."""
    if not _has_surrogates(text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"), None)


def _c1_as_cp1252(text: str) -> str:
    """C1 controls (U+0080 to U+009F) are Windows-1252 characters under a Latin-1 label."""
    if not any("\x80" <= ch <= "\x9f" for ch in text):
        return text
    return "".join(
        bytes([ord(ch)]).decode("cp1252", "ignore") if "\x80" <= ch <= "\x9f" else ch for ch in text
    )


def _addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; names decoded after splitting, so a
    decoded comma or bracket in a name cannot break the address apart."""
    values: list[str] = []
    for name in names:
        values.extend(_raw_values(message, name))
    result = []
    for display, address in getaddresses(values):
        address = address.strip().strip("<>").lower()
        if _ADDRESS.match(address):
            result.append((_decode_words(display).strip(), address))
    return result


def _sender(message: Message) -> tuple[str | None, str | None]:
    for name in ("From", "Sender", "Reply-To"):
        found = _addresses(message, name)
        if found:
            display, address = found[0]
            return display or None, address
    return None, None


def automatic_kind(message: Message, sender: str | None) -> str | None:
    """Auto-replies, vacation notices, bounces and bulk mail: never a case, never answered.

    RFC 3834 (Auto-Submitted), the headers the common autoresponders set instead, delivery
    status notifications (RFC 3464) and read receipts (RFC 8098).
    """
    content_type = message.get_content_type()
    if content_type == "multipart/report":
        return "bounce"
    if sender:
        local = sender.partition("@")[0]
        if local in ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"):
            return "bounce"
    auto_submitted = _header_text(message, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return "auto_reply"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply"):
        value = _header_text(message, name).strip().lower()
        if value and value not in ("no", "false", "0"):
            return "auto_reply"
    if _header_text(message, "X-Autogenerated") or _header_text(message, "X-AutoReply-From"):
        return "auto_reply"
    precedence = _header_text(message, "Precedence").strip().lower()
    if precedence in ("auto_reply", "auto-reply"):
        return "auto_reply"
    if precedence in ("bulk", "junk", "list"):
        return "bulk"
    return_path = _header_text(message, "Return-Path").strip()
    if return_path in ("<>", "< >"):
        return "bounce"
    subject = _header_text(message, "Subject").strip().lower()
    if subject.startswith(_AUTO_SUBJECTS):
        return "auto_reply"
    return None


_AUTO_SUBJECTS = (
    "automatic reply:",
    "auto reply:",
    "auto-reply:",
    "autoreply:",
    "automatiskt svar:",
    "autosvar:",
    "out of office:",
    "out of the office:",
    "frånvaromeddelande:",
    "abwesenheitsnotiz:",
    "undeliverable:",
    "olevererbart:",
    "kan inte levereras:",
    "delivery status notification",
    "mail delivery failed",
    "returned mail:",
)


def asks_for_no_auto_answer(message: Message) -> bool:
    """Exchange's X-Auto-Response-Suppress (and the older X-Auto-Response-Suppress-like
    headers) ask recipients not to answer automatically."""
    suppress = _header_text(message, "X-Auto-Response-Suppress").lower()
    return any(word in suppress for word in ("all", "oof", "autoreply"))


def parse_headers(raw_header: bytes) -> MailHeaders:
    """The headers of a message we do not read whole (too large)."""
    message = BytesHeaderParser(policy=_PARSE_POLICY).parsebytes(raw_header)
    name, sender = _sender(message)
    subject = _clean_subject(_header_text(message, "Subject"))
    language = _header_text(message, "Content-Language").strip().lower()[:2] or None
    return MailHeaders(
        message_id=message_key(raw_header),
        sender=sender,
        sender_name=name,
        subject=subject,
        recipients=_recipients(message),
        references=message_ids(_header_text(message, "References"))
        + message_ids(_header_text(message, "In-Reply-To")),
        automatic=automatic_kind(message, sender),
        no_auto_answer=asks_for_no_auto_answer(message),
        language_hint=language if language in ("sv", "en") else guess_language(subject, None),
    )


def _recipients(message: Message) -> list[str]:
    found = _addresses(
        message, "To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"
    )
    unique: list[str] = []
    for _display, address in found:
        if address not in unique:
            unique.append(address)
    return unique


def _clean_subject(subject: str) -> str:
    return " ".join(subject.split())[:300]


# The whole message ----------------------------------------------------------------------


def parse_message(raw: bytes) -> ParsedMail:
    """Read a whole message; raises ``UnparseableMail`` for one that cannot become a case."""
    if not raw or not raw.strip():
        raise UnparseableMail("the message is empty")
    try:
        message = BytesParser(policy=_PARSE_POLICY).parsebytes(raw)
    except Exception as error:  # the parser is lenient; this is a truly broken message
        raise UnparseableMail(f"the message cannot be parsed: {error}") from error
    if not isinstance(message, EmailMessage) or not message.keys():
        raise UnparseableMail("the message has no headers")
    name, sender = _sender(message)
    if sender is None:
        raise UnparseableMail("the message has no sender address that can be read")

    texts: list[str] = []
    parts: list[MailPart] = []
    try:
        _collect(message, texts, parts)
    except UnparseableMail:
        raise
    except Exception as error:
        raise UnparseableMail(f"the message body cannot be read: {error}") from error
    # Every HTML part counts, also the alternative not read: its cid: images are decoration.
    referenced = {
        cid.lower()
        for part in message.walk()
        if part.get_content_type() == "text/html"
        for cid in _CID.findall(_decode_text(part))
    }
    parts = [part for part in parts if not _is_decoration(part, referenced)]
    body = _tidy("\n\n".join(text for text in texts if text.strip()))
    subject = _clean_subject(_header_text(message, "Subject"))
    visible, folded = fold_quotes(body, forwarded=is_forward(subject))
    try:
        date = parsedate_to_datetime(_header_text(message, "Date"))
    except (TypeError, ValueError, IndexError):
        date = None
    language = _header_text(message, "Content-Language").strip().lower()[:2]
    return ParsedMail(
        message_id=message_key(raw),
        sender=sender,
        sender_name=_display_name(name, sender),
        subject=subject,
        recipients=_recipients(message),
        in_reply_to=message_ids(_header_text(message, "In-Reply-To")),
        references=message_ids(_header_text(message, "References")),
        date=date,
        text=visible,
        folded=folded,
        language=language if language in ("sv", "en") else guess_language(subject, visible),
        parts=parts,
        automatic=automatic_kind(message, sender),
        no_auto_answer=asks_for_no_auto_answer(message),
    )


def _display_name(name: str | None, address: str) -> str | None:
    """A person's name, not a repeat of the address or an empty quote."""
    if not name:
        return None
    name = " ".join(name.replace('"', " ").split())
    if not name or "@" in name or name.lower() == address:
        return None
    return name[:200]


def _collect(part: Message, texts: list[str], files: list[MailPart]) -> None:
    """Walk the MIME tree: text bodies to ``texts``, everything else to ``files``."""
    if part.is_multipart():
        children = part.get_payload()
        if not isinstance(children, list):
            return
        if part.get_content_subtype() == "alternative":
            chosen = _best_alternative(children)
            if chosen is not None:
                _collect(chosen, texts, files)
            return
        for child in children:
            _collect(child, texts, files)
        return
    content_type = part.get_content_type()
    disposition = part.get_content_disposition()
    filename = _filename(part)
    if content_type == "message/rfc822" or content_type.startswith("message/"):
        files.append(MailPart(filename or "meddelande.eml", content_type, _payload(part)))
        return
    if content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        text = _decode_text(part)
        if content_type == "text/html":
            texts.append(html_to_text(text))
        else:
            if part.get_param("format", "").lower() == "flowed":
                text = unflow(text, delsp=part.get_param("delsp", "").lower() == "yes")
            texts.append(text)
        return
    data = _payload(part)
    if not data:
        return
    content_id = str(part.get("Content-ID") or "").strip().strip("<>")
    files.append(
        MailPart(
            filename=filename or "bilaga",
            declared_type=content_type,
            data=data,
            content_id=content_id if disposition != "attachment" else "",
        )
    )


_CID = re.compile(r"cid:([^\s\"'<>)]+)", re.IGNORECASE)


def _is_decoration(part: MailPart, referenced: set[str]) -> bool:
    """A small image the HTML shows in place: a logo or an icon of a signature."""
    return (
        bool(part.content_id)
        and part.content_id.lower() in referenced
        and len(part.data) <= DECORATION_MAX_BYTES
    )


def _best_alternative(children: list[Message]) -> Message | None:
    """Plain text where the sender wrote it, else HTML (possibly inside multipart/related)."""
    plain = [c for c in children if c.get_content_type() == "text/plain"]
    for candidate in plain:
        if _decode_text(candidate).strip():
            return candidate
    for candidate in reversed(children):
        if candidate.get_content_type() == "text/html" or candidate.is_multipart():
            return candidate
    return children[-1] if children else None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        return None
    return _repair_surrogates(str(name)).strip() or None


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        return b""
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, list):  # an attached message: keep it as its bytes
        return b"".join(p.as_bytes() for p in payload if isinstance(p, Message))
    return b""


def _decode_text(part: Message) -> str:
    data = _payload(part)
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(data, charset)


_LATIN_FAMILY = {
    "iso-8859-1",
    "iso8859-1",
    "latin1",
    "latin-1",
    "l1",
    "iso_8859-1",
    "windows-1252",
    "cp1252",
    "us-ascii",
    "ascii",
    "",
}


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset where it fits, else UTF-8, else Windows-1252.

    ISO-8859-1 is read as Windows-1252 (its superset, as browsers do): Outlook labels
    text with € and curly quotes ISO-8859-1. Text labelled ASCII or Latin-1 that is
    valid UTF-8 is UTF-8: clients mislabel that way far more often than the reverse.
    """
    label = (charset or "").strip().strip('"').lower()
    if label in _LATIN_FAMILY:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return _cp1252(data)
    try:
        return data.decode(label)
    except (LookupError, UnicodeDecodeError):
        pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _cp1252(data)


def _cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # Five bytes are unassigned in Windows-1252; Latin-1 maps every byte.
        return data.decode("latin-1")


def unflow(text: str, *, delsp: bool = False) -> str:
    """RFC 3676 format=flowed: soft line breaks (a trailing space) joined back up."""
    lines = text.replace("\r\n", "\n").split("\n")
    result: list[str] = []
    current = ""
    current_depth = -1
    for line in lines:
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        if current_depth >= 0 and depth != current_depth:
            result.append(">" * current_depth + (" " if current_depth else "") + current)
            current, current_depth = "", -1
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delsp:
            content = content[:-1]
        current += content
        current_depth = depth
        if not flowed:
            result.append(">" * depth + (" " if depth else "") + current)
            current, current_depth = "", -1
    if current_depth >= 0:
        result.append(">" * current_depth + (" " if current_depth else "") + current)
    return "\n".join(result)


def _tidy(text: str) -> str:
    """Normalised line ends, no trailing spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    text = text.replace("\ufeff", "").replace("\u200b", "")
    lines: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip()
        if not line and lines and not lines[-1]:
            continue
        lines.append(line)
    return "\n".join(lines).strip("\n")


# HTML ---------------------------------------------------------------------------------------

# What survives sanitising: structure that matters for the text, nothing that runs or
# loads anything. Script, style and head content is removed with the tags.
_KEPT_TAGS = {
    "a", "b", "blockquote", "br", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
_REMOVED_WITH_CONTENT = {"script", "style", "title", "head", "noscript", "template"}


def sanitise_html(html: str) -> str:
    """HTML with nothing executable or remote left: no scripts, handlers, styles or images."""
    return nh3.clean(
        html,
        tags=_KEPT_TAGS,
        clean_content_tags=_REMOVED_WITH_CONTENT,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        strip_comments=True,
    )


_BLOCK_TAGS = {
    "p", "div", "table", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
    "blockquote", "hr",
}  # fmt: skip


class _TextWriter(HTMLParser):
    """Sanitised HTML to text: blocks on their own lines, quotes marked with ``>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote_depth = 0
        self.pre = 0
        self.link: str | None = None
        self.link_text = ""

    def _newline(self) -> None:
        self.lines.append("")

    def _block(self) -> None:
        if self.lines[-1].strip():
            self._newline()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._newline()
        elif tag == "blockquote":
            self._block()
            self.quote_depth += 1
        elif tag == "li":
            self._block()
            self.lines[-1] += "- "
        elif tag in ("td", "th") and self.lines[-1].strip():
            self.lines[-1] += " "
        elif tag == "pre":
            self._block()
            self.pre += 1
        elif tag in _BLOCK_TAGS:
            self._block()
            if tag in ("p", "h1", "h2", "h3") and len(self.lines) > 1:
                self._newline_if_text_before()
        if tag == "a":
            self.link = dict(attrs).get("href")
            self.link_text = ""

    def _newline_if_text_before(self) -> None:
        if len(self.lines) >= 2 and self.lines[-2].strip():
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self._block()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self._block()
        elif tag in _BLOCK_TAGS or tag == "li":
            self._block()
        if tag == "a" and self.link:
            href = self.link
            shown = self.link_text.strip()
            target = href[7:] if href.startswith("mailto:") else href
            if target and target not in shown:
                self._write(f" ({target})")
            self.link = None

    def handle_data(self, data: str) -> None:
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            if not self.lines[-1].strip():
                data = data.lstrip()
        if self.link is not None:
            self.link_text += data
        if self.pre:
            chunks = data.split("\n")
            self._write(chunks[0])
            for chunk in chunks[1:]:
                self._newline()
                self._write(chunk)
        else:
            self._write(data)

    def _write(self, text: str) -> None:
        if not text:
            return
        if not self.lines[-1] and self.quote_depth:
            self.lines[-1] = "> " * self.quote_depth
        self.lines[-1] += text

    def text(self) -> str:
        lines = [line.rstrip() for line in self.lines]
        return _tidy("\n".join(lines))


def html_to_text(html: str) -> str:
    """Safe plain text from an HTML email: sanitised first, then written out as text."""
    writer = _TextWriter()
    writer.feed(sanitise_html(html))
    writer.close()
    return writer.text()


# Quoted history and signatures ------------------------------------------------------------

# "Den tors 5 feb. 2026 kl 10:12 skrev Anna <anna@example.com>:" (Gmail, Swedish),
# "5 feb. 2026 kl. 10:12 skrev Anna <anna@example.com>:" (iPhone, Swedish),
# "On Thu, 5 Feb 2026 at 10:12, Anna <anna@example.com> wrote:" (Gmail, Apple, English).
_ATTRIBUTION = re.compile(
    r"\b(wrote|skrev|schrieb|a écrit|kirjoitti|skreiv|escribió)\b.*:\s*$", re.IGNORECASE
)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(original message|ursprungligt meddelande|originalmeddelande|"
    r"ursprungligt e-postmeddelande|reply message|svarsmeddelande)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(from|från|fra|von)\*?\s*:", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(sent|skickat|skickad|date|datum|to|till|subject|ämne|cc|kopia|gesendet|an|"
    r"betreff|sendt|emne)\*?\s*:",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{8,}\s*$")
_FORWARD_MARKERS = re.compile(
    r"(forwarded message|vidarebefordrat meddelande|begin forwarded message|"
    r"vidarebefordrat brev|vidarebefordrat mejl|vidarebefordrat e-postmeddelande)",
    re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(skickat från min|skickades från min|sent from my|skickat från outlook|"
    r"sent from outlook|hämta outlook för|get outlook for|skickat från e-post för windows|"
    r"sent from mail for windows|skickat från yahoo|sent from yahoo|skickat från gmail|"
    r"sent from gmail|skickat från samsung|sent from samsung)",
    re.IGNORECASE,
)


_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|vb|vs|wg|tr|vidarebefordra|vidarebefordrat)\s*:", re.I)


def is_forward(subject: str) -> bool:
    """ "VB:", "Fwd:", "FW:": whatever follows the sender's note is content, not history."""
    return bool(_FORWARD_SUBJECT.match(subject))


def fold_quotes(text: str, *, forwarded: bool = False) -> tuple[str, str]:
    """Split a body into what the sender wrote now and what is folded away.

    Folded: the quoted history below a reply's attribution line ("… skrev:", "… wrote:"),
    Outlook's "Från: / Skickat:" header block or "Original Message" line, a trailing block
    of ``>`` quotes, and a signature ("-- " line, "Skickat från min iPhone"). A forwarded
    message is content, not history, and stays. Replies written between quoted lines
    keep their quotes; a body that would be left empty is kept whole.
    """
    lines = text.split("\n")
    cut = len(lines) if forwarded else _history_start(lines)
    visible_lines, history = lines[:cut], lines[cut:]
    signature_at = None if forwarded else _signature_start(visible_lines)
    if signature_at is not None:
        history = visible_lines[signature_at:] + ([""] if history else []) + history
        visible_lines = visible_lines[:signature_at]
    visible = _tidy("\n".join(visible_lines))
    folded = _tidy("\n".join(history))
    if not visible.strip():
        return _tidy(text), ""
    return visible, folded


def _history_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if _FORWARD_MARKERS.search(line):
            # Everything from a forward on is content the sender chose to pass on.
            return len(lines)
        if _ORIGINAL_MESSAGE.match(line):
            return index
        if _UNDERSCORES.match(line) and _header_block_follows(lines, index + 1):
            return index
        if _HEADER_FROM.match(line) and _header_block_follows(lines, index + 1):
            return index
        if _is_attribution(lines, index):
            return index
        if line.startswith(">") and _only_quotes_follow(lines, index):
            return index
    return len(lines)


def _header_block_follows(lines: list[str], start: int) -> bool:
    """An Outlook quote header: From: followed closely by Sent:/To:/Subject: lines."""
    following = [line for line in lines[start : start + 6] if line.strip()]
    if following and _HEADER_FROM.match(following[0]):
        following = following[1:]
    return sum(1 for line in following[:4] if _HEADER_NEXT.match(line)) >= 2


def _is_attribution(lines: list[str], index: int) -> bool:
    """An "… wrote:" line (clients wrap it over two or three lines) before quoted text."""
    line = lines[index].lstrip("> ").strip()
    if not line:
        return False
    for span in (1, 2, 3):
        joined = " ".join(part.lstrip("> ").strip() for part in lines[index : index + span])
        if _ATTRIBUTION.search(joined):
            rest = lines[index + span :]
            return any(item.startswith(">") for item in rest[:4]) or _only_quotes_follow(
                lines, index + span
            )
    return False


def _only_quotes_follow(lines: list[str], start: int) -> bool:
    """From ``start`` on, nothing but quoted lines and blank lines."""
    rest = [line for line in lines[start:] if line.strip()]
    return bool(rest) and all(line.lstrip().startswith(">") for line in rest)


def _signature_start(lines: list[str]) -> int | None:
    """The standard "-- " separator, or a mobile client's line near the end."""
    for index in range(len(lines) - 1, -1, -1):
        if lines[index] in ("-- ", "--"):
            return index
    non_blank = [index for index, line in enumerate(lines) if line.strip()]
    for index in non_blank[-4:]:
        if _MOBILE_SIGNATURE.match(lines[index]):
            return index
    return None


# Language -------------------------------------------------------------------------------

_SWEDISH_WORDS = frozenset(
    "och att det är som för på med har vi jag inte en ett till om kan vår vill hej tack "
    "frågan fråga hur vad eller huset villa värmepump mvh hälsningar".split()
)
_ENGLISH_WORDS = frozenset(
    "the and to is of we our for have with my you this that can would how what house "
    "heating hello hi thanks regards please question".split()
)


def guess_language(subject: str | None, body: str | None) -> str:
    """Swedish unless the words are clearly English: the receipt goes out in this language."""
    words = re.findall(r"[a-zåäöéü]+", f"{subject or ''} {body or ''}".lower())[:400]
    swedish = sum(1 for word in words if word in _SWEDISH_WORDS)
    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    if any(ch in "åäö" for word in words for ch in word):
        swedish += 2
    return "en" if english > swedish * 2 and english >= 3 else "sv"
