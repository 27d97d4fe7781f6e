"""Forms of the knowledge base; topic choices are set by the views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from advice.forms import Form
from advice.intake.forms import MultiCheckboxField
from advice.validators import MAX_BIGINT, NoControlCharacters, strip_text

BODY_MAX_CHARS = 100_000

STATUS_LABELS = {
    "draft": _l("Utkast"),
    "in_review": _l("Granskas"),
    "published": _l("Publicerad"),
    "archived": _l("Arkiverad"),
}
AUDIENCE_LABELS = {"public": _l("Allmänheten"), "internal": _l("Bara personal")}
LANGUAGE_LABELS = {"sv": "Svenska", "en": "English"}


class ArticleForm(Form):
    title = StringField(
        _l("Rubrik"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Skriv en rubrik.")),
            Length(max=200, message=_l("Högst %(max)d tecken.")),
            NoControlCharacters(),
        ],
    )
    slug = StringField(
        _l("Adress (frivilligt)"),
        description=_l(
            "Sista delen av adressen /kb/…: små bokstäver a–z, siffror och bindestreck. "
            "Tomt: skapas av rubriken. Kan inte ändras efter publicering."
        ),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=190, message=_l("Högst %(max)d tecken.")),
            Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l("Bara a–z, siffror och bindestreck.")),
        ],
    )
    summary = TextAreaField(
        _l("Sammanfattning (frivilligt)"),
        description=_l("En eller två meningar som visas i listor och sökträffar."),
        filters=[strip_text],
        validators=[Length(max=600, message=_l("Högst %(max)d tecken.")), NoControlCharacters()],
        render_kw={"rows": 3},
    )
    body = TextAreaField(
        _l("Text"),
        description=_l(
            "Markdown: ## Rubrik, **fetstil**, *kursiv*, - punktlista, 1. numrerad lista, "
            "[länktext](https://…), tabeller. HTML visas som text."
        ),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Skriv artikelns text.")),
            Length(max=BODY_MAX_CHARS, message=_l("Högst %(max)d tecken.")),
            NoControlCharacters(),
        ],
        render_kw={"rows": 20, "spellcheck": "true"},
    )
    language = RadioField(
        _l("Språk"),
        choices=list(LANGUAGE_LABELS.items()),
        default="sv",
        validators=[InputRequired()],
    )
    audience = RadioField(
        _l("Målgrupp"),
        choices=list(AUDIENCE_LABELS.items()),
        default="public",
        validators=[InputRequired()],
    )
    topics = MultiCheckboxField(_l("Ämnen"), coerce=str, validators=[Optional()])
    comment = StringField(
        _l("Vad ändrade du? (frivilligt)"),
        description=_l("Syns i versionshistoriken."),
        filters=[strip_text],
        validators=[Length(max=300, message=_l("Högst %(max)d tecken.")), NoControlCharacters()],
    )


class ReviewForm(Form):
    # The revision the reviewer read: a newer one is not published unread.
    revision = HiddenField()
    comment = TextAreaField(
        _l("Kommentar till författaren"),
        description=_l("Krävs när du skickar tillbaka artikeln."),
        filters=[strip_text],
        validators=[Length(max=2000, message=_l("Högst %(max)d tecken.")), NoControlCharacters()],
        render_kw={"rows": 3},
    )


class DraftFromReplyForm(Form):
    # A case entry's id: a BIGINT, so a larger number is no entry (not a database error).
    entry = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_BIGINT)])
