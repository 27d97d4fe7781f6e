"""CSV and XLSX files of the statistics tables, and the minimum cell size.

Files open with rows saying what they hold (title, period, filters, when made), then each
table under its title. CSV: comma-separated, UTF-8 with a byte order mark (so spreadsheet
programs read å, ä and ö), a full stop as decimal sign. XLSX: one sheet per table, numbers
as numbers.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Table = dict[str, Any]


def suppress_small_counts(tables: list[Table], minimum: int) -> list[Table]:
    """Blank counts below ``minimum`` (not zeros), and shares, medians and means that rest
    on fewer than ``minimum`` cases. A ``minimum`` of 0 or 1 changes nothing."""
    if minimum <= 1:
        return tables
    result = []
    for table in tables:
        table = copy.copy(table)
        count_columns = set(table.get("count_columns", ()))
        count_rows = set(table.get("count_rows", ()))
        bases = table.get("basis") or [None] * len(table["rows"])
        rows = []
        for index, row in enumerate(table["rows"]):
            basis = bases[index]
            small_basis = basis is not None and 0 < basis < minimum
            new_row = list(row)
            for column, value in enumerate(row):
                if column == 0 or isinstance(value, str) or value is None:
                    continue
                is_count = column in count_columns or index in count_rows
                if (is_count and 0 < value < minimum) or (not is_count and small_basis):
                    new_row[column] = None
            rows.append(new_row)
        table["rows"] = rows
        table.pop("svg", None)  # a chart would show what the table hides
        result.append(table)
    return result


def _about(
    title: str, period_label: str, filters_label: str, made_at: datetime, minimum: int
) -> list[list[str]]:
    lines = [
        [title],
        [_("Period: %(period)s", period=period_label)],
        [_("Filter: %(filters)s", filters=filters_label)],
        [_("Skapad: %(when)s", when=format_datetime(made_at, "yyyy-MM-dd HH:mm"))],
    ]
    if minimum > 1:
        lines.append([_("Antal under %(minimum)d visas inte (tom cell).", minimum=minimum)])
    return lines


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


def to_csv(
    tables: list[Table],
    *,
    title: str,
    period_label: str,
    filters_label: str,
    made_at: datetime,
    minimum: int = 0,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(_about(title, period_label, filters_label, made_at, minimum))
    for table in tables:
        writer.writerow([])
        writer.writerow([table["title"]])
        if table.get("note"):
            writer.writerow([table["note"]])
        writer.writerow(table["headers"])
        for row in table["rows"]:
            writer.writerow([_csv_value(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub("", title)[:28].strip() or "Blad"
    name = base
    counter = 2
    while name.lower() in used:
        name = f"{base[:25]} {counter}"
        counter += 1
    used.add(name.lower())
    return name


def to_xlsx(
    tables: list[Table],
    *,
    title: str,
    period_label: str,
    filters_label: str,
    made_at: datetime,
    minimum: int = 0,
) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    used: set[str] = set()
    about = _about(title, period_label, filters_label, made_at, minimum)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_name(table["title"], used))
        for line in about:
            sheet.append(line)
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([])
        sheet.append([table["title"]])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        if table.get("note"):
            sheet.append([table["note"]])
        sheet.append(table["headers"])
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = bold
        for row in table["rows"]:
            sheet.append(list(row))
        if table.get("total_row") and table["rows"]:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        for index, header in enumerate(table["headers"], start=1):
            width = max(
                [len(str(header))]
                + [len(str(row[index - 1])) for row in table["rows"] if row[index - 1] is not None]
            )
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 60)
    workbook.properties.title = f"{title} – {period_label}"
    workbook.properties.creator = "advice"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def file_name(stem: str, period_slug: str, filter_parts: list[str], extension: str) -> str:
    """``statistik_2026-Q1_kontor-stockholm_kommun-0180.csv``: ASCII, no spaces."""
    parts = [_slug(stem), period_slug, *(_slug(part) for part in filter_parts)]
    return "_".join(part for part in parts if part) + f".{extension}"


_TRANSLITERATION = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


def _slug(text: str) -> str:
    text = text.lower().translate(_TRANSLITERATION)
    return re.sub(r"[^a-z0-9-]+", "-", text).strip("-")
