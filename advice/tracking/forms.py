from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from advice.forms import Form
from advice.intake.forms import QUESTION_MAX_CHARS
from advice.validators import NoControlCharacters, strip_text


class RequesterReplyForm(Form):
    body = TextAreaField(
        _l("Ditt meddelande"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Skriv ditt meddelande.")),
            Length(max=QUESTION_MAX_CHARS, message=_l("Högst %(max)d tecken.")),
            NoControlCharacters(),
        ],
        render_kw={"rows": 5},
    )
    attachments = MultipleFileField(
        _l("Bifoga filer (frivilligt)"),
        description=_l("Högst 5 filer, 10 MB per fil: JPEG, PNG, HEIC eller PDF."),
        render_kw={"accept": ".jpg,.jpeg,.png,.heic,.heif,.pdf,image/*,application/pdf"},
    )


class ErasureForm(Form):
    reason = TextAreaField(
        _l("Vill du berätta varför? (frivilligt)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=2000), NoControlCharacters()],
        render_kw={"rows": 3},
    )


class SatisfactionForm(Form):
    score = RadioField(
        _l("Hur nöjd är du med rådgivningen?"),
        choices=[
            ("5", _l("5 – Mycket nöjd")),
            ("4", _l("4 – Nöjd")),
            ("3", _l("3 – Varken eller")),
            ("2", _l("2 – Missnöjd")),
            ("1", _l("1 – Mycket missnöjd")),
        ],
        validators=[InputRequired(_l("Välj ett alternativ."))],
    )
    comment = TextAreaField(
        _l("Kommentar (frivilligt)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=2000), NoControlCharacters()],
        render_kw={"rows": 3},
    )
