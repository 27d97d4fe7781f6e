"""gunicorn settings: ``gunicorn -c python:advice.ops.gunicorn_conf 'advice:create_app()'``.

Every value can be changed through the environment (``ADVICE_BIND``, ``ADVICE_WORKERS``,
``ADVICE_THREADS``, ``ADVICE_TIMEOUT``, ``ADVICE_GRACEFUL_TIMEOUT``, ``ADVICE_MAX_REQUESTS``,
``ADVICE_LOG_FORMAT``); ``docs/deploy.md`` explains the choices.

- Processes and threads from the CPU count: ``2 * CPUs + 1`` worker processes of 2 threads
  each. A request spends much of its time waiting for the database, so a few threads per
  process help; PDF rendering holds the GIL, so processes carry the CPU work.
- ``timeout`` 60 s kills a stuck worker; ``graceful_timeout`` 30 s lets requests in flight
  finish on ``SIGTERM`` and on ``SIGHUP`` (reload: new workers start, old ones finish).
  ``max_requests`` restarts a worker now and then, so slow memory growth never adds up.
- Proxy headers: gunicorn trusts none (``secure_scheme_headers`` empty); the app decides,
  from ``ADVICE_TRUSTED_PROXY_COUNT`` (werkzeug's ProxyFix).
- The access log never holds personal data: no client address, no query string, no
  referrer or user agent, and secret path segments (tracking links, invitations)
  replaced by ``[token]``. Each line carries the request id the app answered with.
- Metrics: every worker writes its counters to ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
  private folder unless set), so ``/metrics`` adds up the whole instance.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn import glogging

from advice.ops.requestlog import JsonFormatter, private_path


def _number(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


_CPUS = os.cpu_count() or 1

bind = os.environ.get("ADVICE_BIND", "127.0.0.1:8000").split(",")
workers = _number("ADVICE_WORKERS", 2 * _CPUS + 1)
threads = _number("ADVICE_THREADS", 2)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _number("ADVICE_TIMEOUT", 60)
graceful_timeout = _number("ADVICE_GRACEFUL_TIMEOUT", 30)
keepalive = 5
max_requests = _number("ADVICE_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
proc_name = "advice"
secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = "127.0.0.1"
# No gunicornc control socket: two instances on one machine would share its path.
control_socket_disable = True
accesslog = "-"
errorlog = "-"

_JSON_LOGS = os.environ.get("ADVICE_LOG_FORMAT", "text") == "json"
if _JSON_LOGS:
    access_log_format = json.dumps(
        {
            "time": "%(t)s",
            "type": "access",
            "method": "%(m)s",
            "path": "%(U)s",
            "status": "%(s)s",
            "bytes": "%(b)s",
            "ms": "%(M)s",
            "request_id": "%({x-request-id}o)s",
        }
    )
else:
    access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'

_SAFE_ATOMS = ("t", "m", "s", "b", "B", "T", "D", "M", "L", "p", "H")


class PrivateAccessLogger(glogging.Logger):
    """gunicorn's logger with an access line that carries nothing personal."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if _JSON_LOGS:  # gunicorn's own lines (start, stop, worker timeouts) as JSON too
            for handler in self.error_log.handlers:
                handler.setFormatter(JsonFormatter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        every = super().atoms(resp, req, environ, request_time)
        atoms = {key: every[key] for key in _SAFE_ATOMS if key in every}
        path = private_path(str(environ.get("PATH_INFO") or ""))
        if _JSON_LOGS:
            path = json.dumps(path)[1:-1]
        atoms["U"] = path
        atoms["r"] = f"{atoms.get('m', '-')} {path} {atoms.get('H', '-')}"
        atoms["{x-request-id}o"] = every.get("{x-request-id}o", "-")
        return atoms


logger_class = PrivateAccessLogger

# Metrics of all worker processes, gathered at scrape time (prometheus_client).
_METRICS_FOLDER = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="advice-metrics-"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _METRICS_FOLDER


def on_starting(server: Any) -> None:
    """Counters of an earlier run would be added to this one's: start empty."""
    folder = Path(_METRICS_FOLDER)
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_file():
                entry.unlink()
            else:
                shutil.rmtree(entry, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
