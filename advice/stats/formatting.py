"""Figures in the reader's locale (12 345 and 12,5 in Swedish), fast enough for a page
with hundreds of them: the locale's symbols are looked up once, not per number."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol


@lru_cache(maxsize=16)
def _symbols(locale_key: str) -> tuple[str, str, str]:
    locale = Locale.parse(locale_key)
    return get_group_symbol(locale), get_decimal_symbol(locale), get_minus_sign_symbol(locale)


def format_figure(value: int | float | str, locale_key: str) -> str:
    """Whole numbers with digit groups; other numbers with one or two decimals."""
    if isinstance(value, str):
        return value
    group, decimal, minus = _symbols(locale_key)
    if isinstance(value, float) and not value.is_integer():
        text = f"{abs(value):,.2f}"
        if text.endswith("0"):
            text = text[:-1]
    else:
        text = f"{abs(int(value)):,}"
    text = text.replace(",", "\x00").replace(".", decimal).replace("\x00", group)
    return (minus if value < 0 else "") + text
