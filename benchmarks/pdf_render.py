"""Render time of the PDF documents against WeasyPrint's own time for a one-line document.

    .venv/bin/python benchmarks/pdf_render.py

Builds a throwaway SQLite instance (migrations, seed), creates a typical answered case (a
question, two replies, a follow-up from the requester, an internal note) and a case with
a 40-entry timeline, then times, round after round so that drift hits every line alike:

- **one-line**: ``weasyprint.HTML(string="<p>…</p>").write_pdf()`` with WeasyPrint's
  defaults: the engine's floor on this machine, the reference for the ratios;
- **summary** and **record (40 entries)**: the whole uncached path of a download
  (``summary_document`` / ``record_document``: load the case, build the plain data, render
  PDF/UA with embedded fonts, write the cache file), with the cache emptied first;
- **summary, cached** and **record, cached**: the same call answered from the cache, as
  a repeat download is.

Prints the machine, the documents' page counts and sizes, and per line the median and
p95 wall-clock ms, the median's ratio to the one-line document's median, and the same
median and ratio in CPU time of this process (``time.process_time``), which other work
on a shared 2-core machine disturbs far less than the wall clock.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import cpu_model, format_table, log, percentile

SUMMARY_QUESTION = (
    "Hej! Vi har en villa från 1974 på 140 kvm med direktverkande el och funderar på "
    "luft/vatten-värmepump eller bergvärme. Vad är rimligast för oss, och finns det stöd?"
)
SUMMARY_REPLIES = (
    "Hej Åsa!\n\nMed direktverkande el behöver ni först ett vattenburet system, vilket "
    "påverkar kalkylen mer än valet av värmepump. Bergvärme ger högst årsvärmefaktor men "
    "kostar mer att installera; en luft/vatten-värmepump är billigare men ger något lägre "
    "besparing de kallaste månaderna.\n\nBegär offerter från minst tre installatörer och be "
    "dem räkna på samma sak: installerad effekt, årsvärmefaktor och totalkostnad inklusive "
    "radiatorer. Arbetskostnaden ger rätt till rotavdrag.\n\nVänliga hälsningar\nMärta",
    "Hej igen!\n\nFör borrhålet behöver ni göra en anmälan till kommunens miljöförvaltning "
    "innan arbetet börjar. Handläggningen tar oftast några veckor.\n\nVänliga hälsningar\nMärta",
)
FOLLOW_UP = "Tack! Behöver vi söka tillstånd för borrhålet?"


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=3, help="untimed rounds first")
    parser.add_argument("--entries", type=int, default=40, help="timeline entries of the record")
    arguments = parser.parse_args(argv)
    if arguments.repeat < 1 or arguments.warmup < 0 or arguments.entries < 1:
        parser.error("--repeat and --entries must be positive, --warmup not negative")
    return arguments


def build_app(folder: Path) -> Any:
    os.environ["ADVICE_INSTANCE_PATH"] = str(folder / "instance")
    from flask_migrate import upgrade

    from advice import create_app
    from advice.cli import run_seed
    from advice.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "benchmark-secret-key-that-is-long-enough",
            "PASSWORD_HASH_FAST": True,
            "SERVER_NAME": "radgivning.example.org",
            "PDF_CACHE_FOLDER": str(folder / "pdf-cache"),
        }
    )
    with app.app_context():
        upgrade()
        run_seed()
        db.session.commit()
    return app


def create_cases(entries: int) -> tuple[int, int]:
    """The typical answered case and the long one; returns their ids."""
    from sqlalchemy import select

    from advice.accounts.services import create_user
    from advice.attachments.services import CheckedUpload, StoredFiles, store_attachment
    from advice.cases.contacts import ContactDetails
    from advice.cases.services import (
        NewCase,
        add_note,
        change_status,
        create_case,
        log_contact,
        reply_to_requester,
        requester_message,
    )
    from advice.extensions import db
    from advice.regions.models import Municipality
    from advice.taxonomy.models import RequesterType, Topic

    adviser = create_user(
        "marta@example.org", "Märta Ångström", "benchmark", ("adviser",), ("stockholm",), "sv"
    )
    stockholm = db.session.scalars(select(Municipality.id).where(Municipality.code == "0180"))
    topics = db.session.scalars(select(Topic.id).where(Topic.code.in_(("heating", "grants"))))
    house = db.session.scalars(
        select(RequesterType.id).where(RequesterType.code == "private_house")
    )
    new = NewCase(
        question=SUMMARY_QUESTION,
        channel_code="web",
        municipality_id=stockholm.one(),
        requester_type_id=house.one(),
        topic_ids=list(topics),
        contact=ContactDetails(name="Åsa Öberg", email="asa.oberg@example.com", phone=None),
        consent_notice_version="2026-01",
        property_type="detached",
        year_built=1974,
        heated_area_m2=140,
        heating_system="direct_electric",
    )
    summary_case = create_case(new).case
    reply_to_requester(summary_case, adviser, SUMMARY_REPLIES[0], minutes=25)
    requester_message(summary_case, FOLLOW_UP)
    add_note(summary_case, adviser, "Ring upp om de inte hör av sig inom två veckor.")
    reply_to_requester(summary_case, adviser, SUMMARY_REPLIES[1], minutes=10)

    record_case = create_case(new).case
    written = StoredFiles()
    for number in range(3):
        store_attachment(
            record_case,
            CheckedUpload(f"elräkning-{number + 1}.pdf", "application/pdf", b"%PDF-1.4 x" * 50),
            written,
            by_requester=True,
        )
    actions: list[Callable[[int], Any]] = [
        lambda n: reply_to_requester(record_case, adviser, SUMMARY_REPLIES[n % 2], minutes=15),
        lambda n: requester_message(record_case, f"{FOLLOW_UP} (fråga {n})"),
        lambda n: add_note(record_case, adviser, f"Anteckning {n}: kontrollerade uppgifterna."),
        lambda n: log_contact(record_case, adviser, "call", f"Samtal {n} om offerterna.", 10),
        lambda n: change_status(record_case, adviser, ("waiting", "in_progress")[n % 2]),
    ]
    # A status change to the status the case already has adds nothing: count tries too.
    step = 0
    while len(record_case.entries) < entries and step < entries * 10:
        actions[step % len(actions)](step)
        step += 1
    db.session.commit()
    return summary_case.id, record_case.id


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    folder = Path(tempfile.mkdtemp(prefix="pdf-bench-"))
    try:
        return run(arguments, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(arguments: argparse.Namespace, folder: Path) -> int:
    import weasyprint
    from pypdf import PdfReader

    from advice.cases.models import Case
    from advice.documents import cache
    from advice.documents.services import record_document, summary_document
    from advice.extensions import db

    log("building a SQLite instance with the migrations and the seed ...")
    app = build_app(folder)
    with app.app_context():
        summary_id, record_id = create_cases(arguments.entries)
        entries = len(db.session.get(Case, record_id).entries)

    def one_line() -> bytes:
        return weasyprint.HTML(string="<p>Energi- och klimatrådgivning</p>").write_pdf()

    def fresh(render: Callable[[Case], Any], case_id: int) -> Callable[[], bytes]:
        def call() -> bytes:
            cache.forget_case_documents(case_id)
            return render(db.session.get(Case, case_id)).data

        return call

    def cached(render: Callable[[Case], Any], case_id: int) -> Callable[[], bytes]:
        return lambda: render(db.session.get(Case, case_id)).data

    def record(case: Case) -> Any:
        return record_document(case, "sv")

    lines: list[tuple[str, Callable[[], bytes]]] = [
        ("one-line (WeasyPrint defaults)", one_line),
        ("summary", fresh(summary_document, summary_id)),
        (f"record ({entries} entries)", fresh(record, record_id)),
        ("summary, cached", cached(summary_document, summary_id)),
        (f"record ({entries} entries), cached", cached(record, record_id)),
    ]
    samples: dict[str, list[float]] = {label: [] for label, _ in lines}
    cpu: dict[str, list[float]] = {label: [] for label, _ in lines}
    outputs: dict[str, bytes] = {}
    with app.app_context():
        log(f"{arguments.warmup} warm-up and {arguments.repeat} timed rounds ...")
        for round_number in range(arguments.warmup + arguments.repeat):
            for label, call in lines:
                started, started_cpu = time.perf_counter(), time.process_time()
                outputs[label] = call()
                elapsed = time.perf_counter() - started
                elapsed_cpu = time.process_time() - started_cpu
                db.session.rollback()  # each download ends its transaction
                if round_number >= arguments.warmup:
                    samples[label].append(elapsed)
                    cpu[label].append(elapsed_cpu)

    reference = statistics.median(samples[lines[0][0]])
    reference_cpu = statistics.median(cpu[lines[0][0]])
    rows = []
    for label, _ in lines:
        data = outputs[label]
        wall, cpu_time = statistics.median(samples[label]), statistics.median(cpu[label])
        rows.append(
            [
                label,
                str(len(PdfReader(BytesIO(data)).pages)),
                f"{len(data) / 1024:.0f}",
                f"{wall * 1000:.1f}",
                f"{percentile(samples[label], 0.95) * 1000:.1f}",
                f"{wall / reference:.1f}",
                f"{cpu_time * 1000:.1f}",
                f"{cpu_time / reference_cpu:.1f}",
            ]
        )
    print(
        f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu_model()}, "
        f"Python {sys.version.split()[0]}, WeasyPrint {weasyprint.__version__}"
    )
    print(f"rounds: {arguments.repeat} timed after {arguments.warmup} warm-up, in one process")
    print()
    print(
        format_table(
            [
                "document",
                "pages",
                "kB",
                "median ms",
                "p95 ms",
                "x one-line",
                "CPU ms",
                "CPU x one-line",
            ],
            rows,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
