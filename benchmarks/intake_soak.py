"""A bounded fault soak of the question form: nothing acknowledged is lost or stored twice.

    .venv/bin/python benchmarks/intake_soak.py                         # `make soak`
    .venv/bin/python benchmarks/intake_soak.py --submissions 1000 --seconds 300

1. **A private PostgreSQL**: ``initdb`` into a temporary folder, started with ``pg_ctl`` on
   a free port (as the ``postgres`` user when run as root), so that restarting it disturbs
   nobody else; ``flask --app advice db upgrade``, ``seed`` and ``demo --cases 0`` (the
   demo staff, so that new-case notifications are written too). The cluster and its folder
   are removed at the end.
2. **The app as in production**: gunicorn with ``advice.ops.gunicorn_conf`` and the
   production settings for one machine without Redis, ``--workers`` processes; the
   question form's rate limit is the default (each person below sends from a loopback
   address of their own, as different people do).
3. **People**: ``--concurrency`` at a time, up to ``--submissions`` in all and for at most
   ``--seconds``, each does what a browser does: GET ``/ask``, POST the form (a unique
   marker in the question), then GET the receipt page the answer redirects to and read the
   reference on it. On an error answer, a dropped connection or no answer within
   ``--answer-timeout`` seconds, the person sends the same form again (the browser's back
   button keeps its one-time key), up to ``--attempts`` times.
4. **Faults**, meanwhile: every ``--kill-every`` seconds the gunicorn worker that has
   served longest is killed with SIGKILL (only while another worker is serving: one that
   is still loading the app is not killed), and PostgreSQL is restarted once
   (``pg_ctl restart``, ``--pg-stop-mode``) a third of the way in (of the time or of the
   submissions, whichever comes first).
5. **Verification** in the database: every acknowledged submission (its receipt shown) is
   stored exactly once, under the reference the receipt showed; no marker and no
   reference is stored twice; every stored case is whole (contact, topics, private link,
   its one-time key, the ``case.created`` audit event, the receipt email in the outbox,
   its search document); no one-time key without its case. A submission that was never
   acknowledged must have had error answers, not a hang.

Prints the counts and exits 1 when an acknowledged submission is lost, anything is
duplicated, a case is half-stored, a receipt shows a wrong reference, or a person waited
``--answer-timeout`` seconds without an answer; 0 otherwise.
"""

from __future__ import annotations

import argparse
import glob
import http.client
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from itsdangerous import BadSignature, URLSafeSerializer

from benchmarks.common import flask_command, log
from benchmarks.serving import (
    REFERENCE,
    Browser,
    Gunicorn,
    ask_fields,
    free_port,
    production_environment,
)

DATABASE = "advice_soak"
QUESTION = (
    "Vi har en villa från 1962 med oljepanna och funderar på bergvärme eller "
    "luft/vatten-värmepump. Vad skulle ni rekommendera, och finns det bidrag?"
)
SHARED_ADDRESSES = 3  # every fourth person uses one of these: one contact, several cases


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300, help="questions to send")
    parser.add_argument(
        "--seconds", type=float, default=120, help="no new question after this many seconds"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="people at a time")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--kill-every", type=float, default=3.0, help="seconds between worker kills"
    )
    parser.add_argument(
        "--pg-stop-mode",
        choices=("fast", "immediate"),
        default="fast",
        help="how pg_ctl restart stops PostgreSQL (immediate: as a crash)",
    )
    parser.add_argument(
        "--answer-timeout",
        type=float,
        default=30.0,
        help="seconds a person waits for an answer; longer counts as a hang",
    )
    parser.add_argument("--attempts", type=int, default=6, help="sends of one form at most")
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the logs folder even when all passed"
    )
    arguments = parser.parse_args(argv)
    if arguments.submissions < 1 or arguments.seconds <= 0 or arguments.concurrency < 1:
        parser.error("--submissions, --seconds and --concurrency must be positive")
    if arguments.workers < 2:
        parser.error("--workers of at least 2: one is killed while the others answer")
    return arguments


# --- A private PostgreSQL cluster ----------------------------------------------------


def postgres_bin() -> Path:
    """The newest installed server's binaries (``PG_BINDIR`` overrides)."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise SystemExit("initdb not found: install PostgreSQL's server (Debian postgresql).")
    return Path(initdb).parent


@dataclass
class PrivateCluster:
    folder: Path
    port: int
    bin: Path = field(default_factory=postgres_bin)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *command: str) -> None:
        prefix: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            prefix = ["runuser", "-u", "postgres", "--"]
        subprocess.run(  # noqa: S603 (PostgreSQL's own tools, fixed arguments)
            [*prefix, *command], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._run(
            str(self.bin / "pg_ctl"), action, "-D", str(self.data), "-w", "-t", "60", *options
        )

    def create(self) -> None:
        self.folder.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",  # a throwaway cluster; its own commits are still durable
        )
        settings = (
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.folder}'\nmax_connections = 200\n"
        )
        with (self.data / "postgresql.conf").open("a") as config:
            config.write(settings)
        self.start()
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
            "postgres", DATABASE,
        )  # fmt: skip

    def start(self) -> None:
        self._pg_ctl("start", "-l", str(self.folder / "postgres.log"))

    def restart(self, mode: str) -> None:
        self._pg_ctl("restart", "-m", mode, "-l", str(self.folder / "postgres.log"))

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast")


# --- People sending questions --------------------------------------------------------


@dataclass
class Person:
    number: int
    marker: str
    email: str
    source: str
    key: str | None = None
    posts: int = 0
    accepted: bool = False
    reference: str | None = None
    answers: list[tuple[float, str]] = field(default_factory=list)  # (when, what): failures
    hangs: int = 0

    @property
    def sent(self) -> bool:
        return self.posts > 0


@dataclass
class Soak:
    port: int
    secret_key: str
    choices: tuple[int, int, int]  # municipality, requester type, topic
    arguments: argparse.Namespace
    run: str
    started: float = field(default_factory=time.monotonic)
    people: list[Person] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_number: int = 0
    finished: threading.Event = field(default_factory=threading.Event)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def take_number(self) -> int | None:
        with self.lock:
            if self.next_number >= self.arguments.submissions:
                return None
            if self.elapsed() >= self.arguments.seconds:
                return None
            number = self.next_number
            self.next_number += 1
            return number

    def key_of(self, fields: Sequence[tuple[str, str]]) -> str | None:
        token = dict(fields).get("submission", "")
        try:
            return "ask:" + str(
                URLSafeSerializer(self.secret_key, salt="intake-submission").loads(token)
            )
        except BadSignature:
            return None

    def person(self) -> None:
        while (number := self.take_number()) is not None:
            n = number + 1 + (1 << 16)  # a loopback source address of its own: 127.1.0.1, ...
            email = (
                f"soak-shared-{number % SHARED_ADDRESSES}@example.org"
                if number % 4 == 3
                else f"soak-{self.run}-{number}@example.org"
            )
            person = Person(
                number=number,
                marker=f"SOAK-{self.run}-{number:05d}",
                email=email,
                source=f"127.{n >> 16}.{(n >> 8) & 255}.{n & 255}",
            )
            with self.lock:
                self.people.append(person)
            self.ask(person)

    def note(self, person: Person, what: str) -> None:
        person.answers.append((self.elapsed(), what))

    def _pause(self, attempt: int) -> None:
        time.sleep(min(0.25 * (2**attempt), 4.0) * (0.5 + random.random()))

    def ask(self, person: Person) -> None:
        browser = Browser(self.port, timeout=self.arguments.answer_timeout, source=person.source)
        fields: list[tuple[str, str]] | None = None
        grace = self.arguments.seconds + 2 * self.arguments.answer_timeout
        for attempt in range(self.arguments.attempts):
            if self.elapsed() > grace:
                self.note(person, "gave up: time limit")
                return
            try:
                if fields is None:
                    page = browser.request("GET", "/ask")
                    if page.status != 200:
                        self.note(person, f"form {page.status}")
                        self._pause(attempt)
                        continue
                    municipality, requester_type, topic = self.choices
                    fields = ask_fields(
                        page.text,
                        municipality,
                        requester_type,
                        topic,
                        f"{person.marker} {QUESTION}",
                        person.email,
                    )
                    person.key = self.key_of(fields)
                person.posts += 1
                answer = browser.post("/ask", fields)
                if answer.status in (302, 303) and "/ask/received/" in answer.location:
                    person.accepted = self.read_receipt(browser, person, answer.location)
                    return
                self.note(person, f"POST {answer.status}")
                if answer.status == 400:
                    # The form came back with a message: send what it shows now (its key
                    # is the same one unless the page says the key was refused).
                    try:
                        refilled = ask_fields(answer.text, *self.choices, "", "")
                        fields = [
                            (name, dict(refilled)[name] if name in ("csrf_token", "submission")
                             else value)
                            for name, value in fields
                        ]  # fmt: skip
                        person.key = self.key_of(fields)
                    except ValueError:
                        fields = None
            except TimeoutError:
                person.hangs += 1
                self.note(person, "no answer (timeout)")
            except (OSError, http.client.HTTPException) as error:
                self.note(person, f"connection: {type(error).__name__}")
            self._pause(attempt)

    def read_receipt(self, browser: Browser, person: Person, location: str) -> bool:
        """The receipt page and its reference: what tells the person the question arrived."""
        path = re.sub(r"^https?://[^/]+", "", location)
        for attempt in range(self.arguments.attempts):
            try:
                page = browser.request("GET", path)
                found = REFERENCE.search(page.text) if page.status == 200 else None
                if found:
                    person.reference = found.group(0)
                    return True
                self.note(person, f"receipt {page.status}")
            except TimeoutError:
                person.hangs += 1
                self.note(person, "receipt: no answer (timeout)")
            except (OSError, http.client.HTTPException) as error:
                self.note(person, f"receipt connection: {type(error).__name__}")
            self._pause(attempt)
        return False


# --- Faults --------------------------------------------------------------------------


def process_age(pid: int) -> float:
    """Seconds since the process started (0 once it has gone)."""
    try:
        started_ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return 0.0
    return uptime - started_ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Faults:
    """Every ``--kill-every`` seconds SIGKILL to the worker that has served longest, and
    one PostgreSQL restart.

    Only a worker that is taking connections is killed, and only while another one is
    too: a worker still loading the app serves nobody yet (on a busy 2-core machine that
    takes several seconds), and killing those would test how fast gunicorn boots rather
    than what happens to the requests in flight.
    """

    server: Gunicorn
    cluster: PrivateCluster
    soak: Soak
    kills: list[float] = field(default_factory=list)
    waited: float = 0.0  # seconds a due kill waited for two serving workers
    restart_at: float | None = None
    restart_seconds: float | None = None
    restart_error: str | None = None

    def run(self) -> None:
        arguments = self.soak.arguments
        restart_due = arguments.seconds / 3
        next_kill = arguments.kill_every
        while not self.soak.finished.wait(0.1):
            elapsed = self.soak.elapsed()
            if self.restart_at is None and (
                elapsed >= restart_due or self.soak.next_number >= arguments.submissions / 3
            ):
                self.restart_at = elapsed
                started = time.monotonic()
                try:
                    self.cluster.restart(arguments.pg_stop_mode)
                except subprocess.CalledProcessError as error:
                    self.restart_error = error.stderr.decode(errors="replace")[-500:]
                self.restart_seconds = time.monotonic() - started
                log(f"  {elapsed:5.1f} s: PostgreSQL restarted ({self.restart_seconds:.1f} s)")
            if elapsed >= next_kill:
                if self.kill_longest_serving():
                    self.kills.append(elapsed)
                    next_kill = elapsed + arguments.kill_every
                else:
                    self.waited += 0.1

    def kill_longest_serving(self) -> bool:
        serving = self.server.serving_pids()
        if len(serving) < 2:
            return False
        try:
            os.kill(max(serving, key=process_age), signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True


# --- Verification --------------------------------------------------------------------


@dataclass
class Verdict:
    sent: int = 0
    accepted: int = 0
    stored: int = 0
    duplicated: int = 0
    lost: int = 0
    failed: int = 0
    failed_but_stored: int = 0
    hung: int = 0
    timeouts: int = 0
    wrong_reference: int = 0
    duplicate_references: int = 0
    half_stored: list[str] = field(default_factory=list)
    orphan_keys: int = 0
    answers: Counter[str] = field(default_factory=Counter)

    @property
    def passed(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.duplicate_references
            or self.half_stored
            or self.orphan_keys
            or self.wrong_reference
            or self.hung
            or self.timeouts
        )


WHOLE_CASE = """
SELECT c.id, c.reference, substring(c.question FROM 'SOAK-[0-9a-f]+-[0-9]+') AS marker,
       (SELECT email FROM contacts WHERE contacts.id = c.contact_id) AS email,
       (SELECT count(*) FROM case_topics t WHERE t.case_id = c.id) AS topics,
       (SELECT count(*) FROM tracking_tokens k WHERE k.case_id = c.id) AS links,
       (SELECT count(*) FROM idempotency_keys i WHERE i.case_id = c.id) AS keys,
       (SELECT count(*) FROM audit_events a
         WHERE a.case_id = c.id AND a.action = 'case.created') AS created_events,
       (SELECT count(*) FROM outbox_messages m
         WHERE m.case_id = c.id AND m.kind = 'case_received') AS receipts,
       (SELECT count(*) FROM search_documents s
         WHERE s.kind = 'case' AND s.doc_id = c.id) AS search_documents
FROM cases c WHERE c.question LIKE %(pattern)s
"""


def verify(cluster: PrivateCluster, soak: Soak) -> Verdict:
    verdict = Verdict()
    with psycopg.connect(cluster.url, autocommit=True) as connection:
        rows = connection.execute(WHOLE_CASE, {"pattern": f"SOAK-{soak.run}-%"}).fetchall()
        verdict.duplicate_references = len(
            connection.execute(
                "SELECT reference FROM cases GROUP BY reference HAVING count(*) > 1"
            ).fetchall()
        )
        keys = [person.key for person in soak.people if person.key]
        verdict.orphan_keys = int(
            connection.execute(
                "SELECT count(*) FROM idempotency_keys WHERE case_id IS NULL AND key = ANY(%s)",
                (keys,),
            ).fetchone()[0]
        )
    stored: dict[str, list[tuple]] = {}
    for row in rows:
        stored.setdefault(row[2], []).append(row)
        _id, reference, marker, email, topics, links, keys_, created, receipts, documents = row
        missing = [
            name
            for name, present in (
                ("contact", email is not None),
                ("topics", topics >= 1),
                ("private link", links >= 1),
                ("one-time key", keys_ == 1),
                ("case.created event", created >= 1),
                ("receipt email", receipts >= 1),
                ("search document", documents >= 1),
            )
            if not present
        ]
        if missing:
            verdict.half_stored.append(f"{reference} ({marker}): no {', '.join(missing)}")
    verdict.stored = len(stored)
    people = {person.marker: person for person in soak.people}
    verdict.duplicated = sum(1 for found in stored.values() if len(found) > 1)
    for person in soak.people:
        verdict.answers.update(what.split(" (")[0] for _when, what in person.answers)
        verdict.timeouts += person.hangs
        if not person.sent:
            continue
        verdict.sent += 1
        found = stored.get(person.marker, [])
        if person.accepted:
            verdict.accepted += 1
            if not found:
                verdict.lost += 1
            elif person.reference not in {row[1] for row in found}:
                verdict.wrong_reference += 1
        else:
            verdict.failed += 1
            if found:
                verdict.failed_but_stored += 1
            if person.answers and "no answer" in person.answers[-1][1]:
                verdict.hung += 1
    verdict.stored = sum(1 for marker in stored if marker in people)
    return verdict


# --- The run -------------------------------------------------------------------------


def form_choices(cluster: PrivateCluster) -> tuple[int, int, int]:
    with psycopg.connect(cluster.url) as connection:
        municipality = connection.execute(
            "SELECT id FROM municipalities ORDER BY code LIMIT 1"
        ).fetchone()
        requester_type = connection.execute("SELECT min(id) FROM requester_types").fetchone()
        topic = connection.execute("SELECT min(id) FROM topics").fetchone()
    if municipality is None or requester_type[0] is None or topic[0] is None:
        raise SystemExit("the seed left no municipality, requester type or topic")
    return int(municipality[0]), int(requester_type[0]), int(topic[0])


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    began = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="advice-soak-"))
    base.chmod(0o755)  # the postgres user reaches its cluster folder inside
    cluster = PrivateCluster(base / "postgres", free_port())
    server: Gunicorn | None = None
    passed = False
    internal_errors = 0
    try:
        log(f"private PostgreSQL {cluster.bin} on port {cluster.port} in {cluster.folder}")
        cluster.create()
        admin = {"DATABASE_URL": cluster.url, "ADVICE_INSTANCE_PATH": str(base / "admin")}
        flask_command(["db", "upgrade"], admin)
        flask_command(["seed"], admin)
        flask_command(["demo", "--cases", "0", "--password", uuid.uuid4().hex], admin)
        port = free_port()
        environment = production_environment(
            cluster.url, base / "app", port, WORKERS=str(arguments.workers)
        )
        server = Gunicorn(environment, base / "gunicorn.log", port)
        server.start()
        soak = Soak(
            port=port,
            secret_key=environment["ADVICE_SECRET_KEY"],
            choices=form_choices(cluster),
            arguments=arguments,
            run=uuid.uuid4().hex[:8],
        )
        faults = Faults(server, cluster, soak)
        log(
            f"sending up to {arguments.submissions} questions, {arguments.concurrency} at a "
            f"time, for at most {arguments.seconds:.0f} s; SIGKILL to a worker every "
            f"{arguments.kill_every:g} s; one PostgreSQL restart ({arguments.pg_stop_mode})"
        )
        fault_thread = threading.Thread(target=faults.run, daemon=True)
        soak.started = time.monotonic()
        fault_thread.start()
        with ThreadPoolExecutor(arguments.concurrency) as pool:
            for future in [pool.submit(soak.person) for _ in range(arguments.concurrency)]:
                future.result()
        sending = soak.elapsed()
        soak.finished.set()
        fault_thread.join()
        server.stop()
        if not (cluster.data / "postmaster.pid").exists():
            cluster.start()  # a failed restart: the data are still there to check
        verdict = verify(cluster, soak)
        passed = verdict.passed and faults.restart_error is None
        # A 500 is an error answer (the soak passes) but not the outage page: keep the log.
        internal_errors = sum(n for what, n in verdict.answers.items() if what.endswith(" 500"))
        report(arguments, soak, faults, verdict, sending, time.monotonic() - began)
        if faults.restart_error:
            print(f"PostgreSQL restart failed: {faults.restart_error}")
    finally:
        if server is not None:
            server.stop()
        try:
            cluster.stop()
        except subprocess.CalledProcessError as error:
            log(f"pg_ctl stop: {error.stderr.decode(errors='replace')}")
        if passed and not internal_errors and not arguments.keep_logs:
            shutil.rmtree(base, ignore_errors=True)
        else:
            shutil.rmtree(cluster.data, ignore_errors=True)
            log(f"logs kept in {base} (gunicorn.log, postgres/postgres.log)")
    return 0 if passed else 1


def report(
    arguments: argparse.Namespace,
    soak: Soak,
    faults: Faults,
    verdict: Verdict,
    sending: float,
    total: float,
) -> None:
    posts = sum(person.posts for person in soak.people)
    print("== intake soak")
    print(
        f"setup: gunicorn {arguments.workers} workers × 2 threads (production settings), "
        f"private PostgreSQL; {arguments.concurrency} people at a time"
    )
    restart = (
        f"at {faults.restart_at:.1f} s, {faults.restart_seconds:.1f} s long "
        f"({arguments.pg_stop_mode})"
        if faults.restart_at is not None
        else "did not happen (the run ended first)"
    )
    print(
        f"faults: {len(faults.kills)} workers killed with SIGKILL (the longest-serving one "
        f"every {arguments.kill_every:g} s; kills waited {faults.waited:.0f} s in all for a "
        f"second serving worker); PostgreSQL restart {restart}"
    )
    print(f"time: {sending:.1f} s sending, {total:.1f} s in all")
    print(f"sent:        {verdict.sent} submissions ({posts} POSTs, retries included)")
    print(f"accepted:    {verdict.accepted} (receipt page shown with a reference)")
    print(f"stored:      {verdict.stored} distinct submissions found in the database")
    print(f"duplicated:  {verdict.duplicated} (submissions stored more than once)")
    print(f"lost:        {verdict.lost} (accepted but not stored)")
    print(
        f"errors:      {verdict.failed} submissions never accepted after {arguments.attempts} "
        f"sends ({verdict.failed_but_stored} of them stored all the same), "
        f"{sum(verdict.answers.values())} error answers in all"
    )
    print(
        f"hangs:       {verdict.hung} submissions ended without an answer; "
        f"{verdict.timeouts} requests waited {arguments.answer_timeout:g} s for none"
    )
    print(f"wrong reference on a receipt: {verdict.wrong_reference}")
    print(f"duplicate references in the database: {verdict.duplicate_references}")
    print(f"one-time keys without their case: {verdict.orphan_keys}")
    print(f"half-stored cases: {len(verdict.half_stored)}")
    for line in verdict.half_stored[:20]:
        print(f"  {line}")
    waits = sorted(
        when for person in soak.people for when, what in person.answers if "no answer" in what
    )
    if waits:
        print("requests without an answer, given up at: " + ", ".join(f"{t:.1f}" for t in waits))
        print("workers killed at: " + ", ".join(f"{t:.1f}" for t in faults.kills))
    if verdict.answers:
        print("error answers by kind:")
        for answer, count in verdict.answers.most_common():
            print(f"  {count:5d}  {answer}")
    print("PASSED" if verdict.passed and faults.restart_error is None else "FAILED")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
