"""Reading email (encodings, safe text from HTML, folded quotes, automatic mail, the corpus)
and the mailbox settings; no server or database needed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from advice.inbound.imap import (
    MailboxConfigError,
    MailboxSettings,
    _internal_date,
    _literals_by_uid,
    mailboxes_from_config,
)
from advice.inbound.parsing import (
    UnparseableMail,
    decode_bytes,
    fold_quotes,
    html_to_text,
    message_key,
    parse_headers,
    parse_message,
)

CORPUS = Path(__file__).parent / "mail_corpus"
REPLY_TO = "energiradgivning.stockholm+EK-2026-00001.abcdefghijklmnop@example.org"


def corpus(name: str) -> bytes:
    raw = (CORPUS / name).read_bytes()
    return (
        raw.replace(b"{{REPLY_TO}}", REPLY_TO.encode())
        .replace(b"{{REFERENCE}}", b"EK-2026-00001")
        .replace(b"{{OUR_MESSAGE_ID}}", b"20260205091200.1.42@example.org")
    )


def test_the_corpus_holds_the_messages_the_issue_names() -> None:
    names = {path.name for path in CORPUS.glob("*.eml")}
    assert {
        "outlook_new_question.eml",
        "outlook_reply.eml",
        "gmail_reply.eml",
        "iphone_reply.eml",
        "forwarded_thread.eml",
        "auto_reply_exchange.eml",
        "bounce_dsn.eml",
        "iso_8859_1_question.eml",
        "html_only_script.eml",
        "malformed.eml",
    } <= names


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.eml")), ids=lambda path: path.name)
def test_every_corpus_message_parses_or_is_refused_as_unparseable(path: Path) -> None:
    raw = corpus(path.name)
    if path.name == "malformed.eml":
        with pytest.raises(UnparseableMail):
            parse_message(raw)
        return
    parsed = parse_message(raw)
    assert parsed.sender and "@" in parsed.sender
    assert parsed.text.strip()
    assert "\ufffd" not in parsed.text + parsed.subject + (parsed.sender_name or "")
    assert parsed.message_id.startswith("<") and parsed.message_id.endswith(">")


def test_outlook_question_reads_latin1_headers_and_body_and_keeps_the_pdf_not_the_logo() -> None:
    parsed = parse_message(corpus("outlook_new_question.eml"))
    assert parsed.sender == "bjorn.lindstrom@example.net"  # lower-cased for matching
    assert parsed.sender_name == "Björn Lindström"
    assert parsed.subject == "Fråga om bergvärme och solceller"
    assert "bergvärme" in parsed.text and "140 m²" in parsed.text
    # The plain alternative is read, not the HTML with its Word markup.
    assert "MsoNormal" not in parsed.text and "<" not in parsed.text
    assert [part.filename for part in parsed.parts] == ["Elräkning januari.pdf"]
    assert parsed.language == "sv"
    assert parsed.automatic is None


def test_iso_8859_1_eight_bit_flowed_text_is_joined_and_read() -> None:
    parsed = parse_message(corpus("iso_8859_1_question.eml"))
    assert parsed.sender_name == "Göran Åström"
    # "=96" under an ISO-8859-1 label is Windows-1252's en dash, as Outlook means it.
    assert parsed.subject == "Värmepump i radhus – täckningsgrad"
    assert "Vi bor i ett radhus i Täby från 1985 och vår gamla oljepanna måste bytas." in (
        parsed.text
    )
    # format=flowed: soft line breaks joined, the "-- " signature folded away.
    assert "bytas. Vi funderar" in parsed.text
    assert "Slättgatan" not in parsed.text and "Slättgatan 4, Täby" in parsed.folded


def test_windows_1252_quoted_printable_and_a_raw_eight_bit_header() -> None:
    parsed = parse_message(corpus("windows_1252_qp.eml"))
    assert parsed.sender_name == "Per Östlund"
    assert parsed.subject == "Elavtal – fast eller rörligt pris?"
    assert "”fast pris”" in parsed.text and "1,89 €/kWh –" in parsed.text


def test_english_base64_flowed_mail_is_read_as_english() -> None:
    parsed = parse_message(corpus("english_flowed_base64.eml"))
    assert parsed.language == "en"
    assert "ground source heat pump from 2011. Our electricity bill" in parsed.text


def test_html_only_mail_becomes_text_with_nothing_executable_or_remote() -> None:
    parsed = parse_message(corpus("html_only_script.eml"))
    text = parsed.text
    for forbidden in (
        "alert",
        "script",
        "javascript",
        "steal",
        "onclick",
        "onload",
        "tracker",
        "evil",
        "color",
        "Kampanj",  # the <title>
        "<",
    ):
        assert forbidden not in text, forbidden
    assert text.startswith("Hej,")
    assert "Jag undrar om tilläggsisolering av vinden lönar sig än." in text
    assert "- Hus: 1½-plan från 1942" in text
    assert "Energimyndigheten (https://www.energimyndigheten.se/)" in text
    assert "Tack!\nMaja Ek" in text


def test_html_to_text_marks_blockquotes_as_quotes() -> None:
    text = html_to_text("<p>Svar</p><blockquote><p>Fråga</p><p>Mer</p></blockquote>")
    assert text == "Svar\n\n> Fråga\n\n> Mer"


def test_gmail_reply_folds_the_wrapped_attribution_and_the_quote() -> None:
    parsed = parse_message(corpus("gmail_reply.eml"))
    assert parsed.text.endswith("Hälsningar\nÅsa")
    assert "skrev" not in parsed.text and "Bergvärme ger" not in parsed.text
    assert parsed.folded.startswith("Den tors 5 feb. 2026 kl 10:12 skrev")
    assert "> Bergvärme ger lägst driftkostnad" in parsed.folded
    assert parsed.in_reply_to == ["<20260205091200.1.42@example.org>"]
    assert REPLY_TO.lower() in parsed.recipients


def test_outlook_reply_folds_the_header_block() -> None:
    parsed = parse_message(corpus("outlook_reply.eml"))
    assert parsed.text == (
        "Hej!\n\nVi bestämde oss för bergvärme. Här är offerten vi fick – stämmer priset "
        "ungefär?\n\nMvh\nBjörn"
    )
    assert parsed.folded.startswith("Från: Energi- och klimatrådgivning")
    assert [part.filename for part in parsed.parts] == ["Offert bergvarme.pdf", "faktura.exe"]


def test_iphone_reply_keeps_the_photo_and_folds_signature_and_quote() -> None:
    parsed = parse_message(corpus("iphone_reply.eml"))
    assert parsed.text == "Här är en bild på elmätaren, som ni bad om."
    assert parsed.folded.startswith("Skickat från min iPhone")
    assert "Kan du skicka en bild på elmätaren?" in parsed.folded
    assert [(p.filename, p.declared_type) for p in parsed.parts] == [
        ("IMG_0042.jpeg", "image/jpeg")
    ]


def test_a_forwarded_thread_is_content_not_history() -> None:
    parsed = parse_message(corpus("forwarded_thread.eml"))
    assert "Är priset rimligt" in parsed.text
    assert "1 240 000 kr inklusive montering" in parsed.text
    assert parsed.folded == ""


def test_outlook_original_message_line_is_folded() -> None:
    parsed = parse_message(corpus("follow_up_own_message.eml"))
    assert parsed.text == "Jag glömde säga att vi har frånluftsventilation i huset.\n\n/Björn"
    assert parsed.folded.startswith("-----Ursprungligt meddelande-----")


def test_inline_answers_between_quotes_are_not_folded() -> None:
    text = "> Hur gammal är pannan?\nFrån 1998.\n\n> Vilken yta?\nCirka 140 m2."
    visible, folded = fold_quotes(text)
    assert visible == text and folded == ""


def test_a_body_that_is_only_a_quote_is_kept_whole() -> None:
    text = "> Hej!\n> Här är svaret."
    assert fold_quotes(text) == (text, "")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("auto_reply_exchange.eml", "auto_reply"),
        ("vacation_x_autoreply.eml", "auto_reply"),
        ("bounce_dsn.eml", "bounce"),
        ("newsletter_bulk.eml", "bulk"),
        ("outlook_new_question.eml", None),
        ("gmail_reply.eml", None),
    ],
)
def test_automatic_mail_is_recognised(name: str, kind: str | None) -> None:
    assert parse_message(corpus(name)).automatic == kind


def test_exchange_asks_for_no_automatic_answer() -> None:
    assert parse_message(corpus("auto_reply_exchange.eml")).no_auto_answer
    assert not parse_message(corpus("outlook_new_question.eml")).no_auto_answer


def test_headers_alone_tell_sender_and_automatic_mail() -> None:
    head = corpus("auto_reply_exchange.eml").split(b"\n\n", 1)[0]
    headers = parse_headers(head)
    assert headers.sender == "asa.oberg@example.com"
    assert headers.automatic == "auto_reply"


def test_message_key_is_the_message_id_or_a_stable_digest() -> None:
    assert message_key(corpus("gmail_reply.eml")).startswith("<CAJx7H1q9rW")
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    assert message_key(raw) == message_key(raw)
    assert message_key(raw).endswith("@inbound.invalid>")
    assert message_key(raw) != message_key(raw + b"more")


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("Växjö".encode("iso-8859-1"), "iso-8859-1", "Växjö"),
        ("Växjö".encode(), "iso-8859-1", "Växjö"),  # mislabelled UTF-8
        ("€ – ”".encode("cp1252"), "iso-8859-1", "€ – ”"),
        ("åäö".encode(), None, "åäö"),
        ("åäö".encode("cp1252"), "utf-8", "åäö"),  # mislabelled Latin-1
        ("åäö".encode(), "x-unknown", "åäö"),
    ],
)
def test_decode_bytes_falls_back_sensibly(data: bytes, charset: str | None, expected: str) -> None:
    assert decode_bytes(data, charset) == expected


def test_empty_and_headerless_messages_are_unparseable() -> None:
    with pytest.raises(UnparseableMail):
        parse_message(b"")
    with pytest.raises(UnparseableMail):
        parse_message(b"\x00\x01\x02 binary garbage without headers")


# Mailbox settings and the IMAP answers -------------------------------------------------------


def _settings(**values: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "office": "stockholm",
        "address": "Energiradgivning@Stockholm.example",
        "host": "imap.example.org",
        "username": "svc",
        "password": "secret",
    }
    entry.update(values)
    return entry


def test_mailbox_settings_default_to_tls_on_993_and_lower_case_addresses() -> None:
    (mailbox,) = mailboxes_from_config({"INBOUND_MAILBOXES": [_settings()]})
    assert (mailbox.security, mailbox.port, mailbox.folder) == ("tls", 993, "INBOX")
    assert mailbox.address == "energiradgivning@stockholm.example"
    assert mailbox.name == mailbox.address
    starttls = MailboxSettings.from_mapping(_settings(security="starttls"))
    assert starttls.port == 143


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"password": ""}, "missing password"),
        ({"security": "ssl3"}, "security must be one of"),
        ({"security": "none"}, "only allowed to this machine"),
        ({"colour": "blue"}, "unknown settings"),
    ],
)
def test_broken_mailbox_settings_are_refused_with_the_reason(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(MailboxConfigError, match=message):
        mailboxes_from_config({"INBOUND_MAILBOXES": [_settings(**values)]})


def test_plain_imap_is_allowed_to_this_machine_only() -> None:
    mailbox = MailboxSettings.from_mapping(_settings(security="none", host="127.0.0.1"))
    assert mailbox.port == 143


def test_two_mailboxes_need_two_names() -> None:
    with pytest.raises(MailboxConfigError, match="own name"):
        mailboxes_from_config({"INBOUND_MAILBOXES": [_settings(), _settings()]})


def test_fetch_answers_are_read_whichever_side_of_the_literal_the_uid_is() -> None:
    data = [
        (b"1 (UID 7 BODY[] {5}", b"first"),
        b")",
        (b"2 (BODY[] {6}", b"second"),
        b" UID 9)",
    ]
    assert _literals_by_uid(data) == {7: b"first", 9: b"second"}


def test_internaldate_is_read_as_utc() -> None:
    assert _internal_date(b" 5-Feb-2026 10:12:00 +0100") == datetime(2026, 2, 5, 9, 12, tzinfo=UTC)
    assert _internal_date(b"garbage") is None
