"""The app served as production serves it, for the load benchmark and the fault soak.

``gunicorn -c python:advice.ops.gunicorn_conf 'advice:create_app()'`` (the command of
``docs/deploy/advice-web.service``) in a process group of its own, with the production
settings of ``docs/deploy/advice.env`` that apply to one machine; a small browser-like HTTP
client (the cluster test's, ``tests/cluster/http.py``); and the memory of the worker
processes from ``/proc``.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import REPOSITORY_ROOT
from tests.cluster.http import CSRF, SUBMISSION, Browser

VENV_BIN = Path(sys.executable).parent
REFERENCE = re.compile(r"\b[A-Z]{1,10}-\d{4}-\d{5,}\b")
SESSION_COOKIE = "advice_session"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_environment(
    database_url: str, folder: Path, port: int, **settings: str
) -> dict[str, str]:
    """The environment of ``docs/deploy/advice.env`` for one machine without Redis.

    The caller's own ``ADVICE_*`` variables are dropped so that a developer's shell does
    not change what is measured. ``settings`` are further ``ADVICE_*`` values.
    """
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ADVICE_", "PROMETHEUS_")) and key != "DATABASE_URL"
    }
    environment.update(
        {
            "ADVICE_ENV": "production",
            "ADVICE_SECRET_KEY": secrets.token_urlsafe(48),
            "ADVICE_SESSION_COOKIE_SECURE": "true",
            "ADVICE_DATABASE_URL": database_url,
            "ADVICE_STORAGE_PATH": str(folder / "storage"),
            "ADVICE_INSTANCE_PATH": str(folder / "instance"),
            "ADVICE_LOG_FORMAT": "json",
            "ADVICE_BIND": f"127.0.0.1:{port}",
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),
        }
    )
    environment.update({f"ADVICE_{name}": value for name, value in settings.items()})
    return environment


@dataclass
class Gunicorn:
    """One app instance; ``log`` collects gunicorn's and the app's output."""

    environment: dict[str, str]
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self, ready_within: float = 90.0) -> None:
        command = [
            str(VENV_BIN / "gunicorn"),
            "-c",
            "python:advice.ops.gunicorn_conf",
            "advice:create_app()",
        ]
        self.process = subprocess.Popen(  # noqa: S603 (our own command)
            command,
            cwd=REPOSITORY_ROOT,
            env=self.environment,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that stop() takes every worker
        )
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            if len(self.serving_pids()) >= self.expected_workers:
                try:
                    if Browser(self.port, timeout=5).get("/healthz").status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {ready_within:.0f} s; see {self.log}")

    @property
    def expected_workers(self) -> int:
        return int(self.environment.get("ADVICE_WORKERS") or 2 * (os.cpu_count() or 1) + 1)

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("gunicorn has not been started")
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The master's child processes: the workers (gunicorn forks nothing else)."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in children.split()]

    def serving_pids(self) -> list[int]:
        """The workers that have loaded the app and take connections."""
        return [pid for pid in self.worker_pids() if accepting(pid)]

    def cpu_seconds(self) -> float:
        """CPU time the workers have used so far (user and system)."""
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_until_idle(self, within: float = 120.0, quiet: float = 0.05) -> float:
        """Wait until the workers use (almost) no CPU for half a second; returns the wait.

        A load generator that stops leaves requests in flight: without this wait, the
        work it abandoned would be measured as part of the next run.
        """
        started = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - started < within:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if 0 <= now - before <= quiet:
                break
            before = now
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # graceful: requests in flight finish
        try:
            self.process.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def accepting(pid: int) -> bool:
    """Whether the gunicorn worker is in its accept loop (it has loaded the app).

    A gthread worker registers the listening socket in its epoll selector just before it
    starts taking connections: an epoll descriptor with a target (``tfd:``) in its fdinfo.
    """
    try:
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(descriptor) != "anon_inode:[eventpoll]":
                    continue
                if "tfd:" in Path(f"/proc/{pid}/fdinfo/{descriptor.name}").read_text():
                    return True
            except OSError:
                continue
    except OSError:
        return False
    return False


def memory_high_water_kb(pid: int) -> int | None:
    """VmHWM: the most resident memory the process has had; None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def ask_fields(
    page: str, municipality: int, requester_type: int, topic: int, question: str, email: str
) -> list[tuple[str, str]]:
    """The question form as a person fills it in, with the tokens of the page it came on."""
    token = CSRF.search(page)
    submission = SUBMISSION.search(page)
    if token is None or submission is None:
        raise ValueError("the question form has no CSRF token or submission key")
    return [
        ("csrf_token", token.group(1)),
        ("submission", submission.group(1)),
        ("municipality", str(municipality)),
        ("requester_type", str(requester_type)),
        ("topics", str(topic)),
        ("question", question),
        ("name", "Bänk Testsson"),
        ("email", email),
        ("language", "sv"),
        ("consent", "y"),
        ("website", ""),
    ]
