"""A real IMAP server for the tests: Dovecot from Debian (``dovecot-imapd``).

Each test session (each xdist worker) starts its own instance from a configuration
written here: a temporary base and mail directory, users from a passwd-file, listening
only on 127.0.0.1 on free ports, TLS with a self-signed certificate made with openssl
(IMAPS and STARTTLS both offered), started as ``dovecot -F -c <conf>`` and stopped at the
end of the session. Messages are put in with IMAP APPEND, as a mail server would deliver
them.

Running as root (CI), the mail processes run as ``nobody``: Dovecot refuses uid 0 for
mail access. Running as another user, everything runs as that user.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

USERS = {"stockholm": "stockholm-secret", "sodertorn": "sodertorn-secret"}
# Set where the IMAP tests must run (CI): a missing Dovecot fails instead of skipping.
REQUIRED = os.environ.get("ADVICE_REQUIRE_DOVECOT") == "1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Dovecot:
    base: Path
    imaps_port: int
    imap_port: int
    ca_file: str
    process: subprocess.Popen[bytes]

    host = "127.0.0.1"

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def connect(self, user: str) -> imaplib.IMAP4_SSL:
        connection = imaplib.IMAP4_SSL(
            self.host, self.imaps_port, ssl_context=self._context(), timeout=30
        )
        connection.login(user, USERS[user])
        return connection

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        connection = self.connect(user)
        try:
            status, data = connection.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            connection.logout()

    def create_folder(self, user: str, folder: str) -> None:
        connection = self.connect(user)
        try:
            connection.create(folder)
        finally:
            connection.logout()

    def empty(self, user: str) -> None:
        """Remove every message of every folder, so each test starts from nothing."""
        connection = self.connect(user)
        try:
            status, folders = connection.list()
            names = [_folder_name(line) for line in folders if isinstance(line, bytes)]
            for folder in names if status == "OK" else []:
                status, data = connection.select(f'"{folder}"')
                if status != "OK" or not data or data[0] in (b"0", None):
                    continue
                connection.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
                connection.expunge()
                connection.close()
        finally:
            connection.logout()

    def flags(self, user: str, folder: str = "INBOX") -> list[str]:
        """The flags of each message in the folder, in order."""
        connection = self.connect(user)
        try:
            connection.select(f'"{folder}"', readonly=True)
            status, data = connection.fetch("1:*", "(FLAGS)")
            if status != "OK" or data == [None]:
                return []
            return [item.decode() for item in data if isinstance(item, bytes)]
        finally:
            connection.logout()

    def count(self, user: str, folder: str = "INBOX") -> int:
        connection = self.connect(user)
        try:
            status, data = connection.select(f'"{folder}"', readonly=True)
            return int(data[0]) if status == "OK" else 0
        finally:
            connection.logout()

    def mailbox(self, user: str, **settings: Any) -> dict[str, Any]:
        """An INBOUND_MAILBOXES entry for this server and user."""
        entry = {
            "name": user,
            "office": user,
            "address": f"energiradgivning.{user}@example.org",
            "host": self.host,
            "port": self.imaps_port,
            "security": "tls",
            "username": user,
            "password": USERS[user],
            "ca_file": self.ca_file,
            "timeout": 30,
        }
        entry.update(settings)
        return entry


def _folder_name(line: bytes) -> str:
    """The name in a LIST answer: ``(\\HasNoChildren) "/" "Behandlat"``."""
    name = line.decode().split(") ", 1)[-1].split(" ", 1)[-1].strip()
    return name[1:-1] if name.startswith('"') else name


def _configuration(base: Path, imaps_port: int, imap_port: int) -> str:
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        uid, gid = nobody.pw_uid, nobody.pw_gid
        identity = ""
    else:
        uid, gid = os.getuid(), os.getgid()
        user = pwd.getpwuid(uid).pw_name
        identity = f"""
default_login_user = {user}
default_internal_user = {user}
service imap-login {{
  chroot =
}}
service auth {{
  user = {user}
}}
"""
    return f"""
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{base}/cert.pem
ssl_key = <{base}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
first_valid_uid = 1
mail_max_userip_connections = 50
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/mail/%u
}}
mail_location = maildir:{base}/mail/%u/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
{identity}
"""


def _write_certificate(base: Path) -> None:
    subprocess.run(  # noqa: S603 (fixed arguments)
        [
            shutil.which("openssl") or "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(base / "key.pem"),
            "-out",
            str(base / "cert.pem"),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not start listening within 15 s")


def _remove_stale_directories(max_age_seconds: float = 3600) -> None:
    """Directories of killed sessions (no teardown ran): old, and no live master."""
    now = time.time()
    for base in Path(tempfile.gettempdir()).glob("advice-dovecot-*"):
        try:
            if now - base.stat().st_mtime < max_age_seconds:
                continue
            pid_file = base / "run" / "master.pid"
            if pid_file.exists():
                os.kill(int(pid_file.read_text().split()[0]), 0)
                continue  # still running: someone's session
        except (OSError, ValueError):
            pass
        shutil.rmtree(base, ignore_errors=True)


def running_dovecot() -> Iterator[Dovecot]:
    """Start Dovecot for this session; skips (or fails in CI) when it is not installed."""
    binary = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        if REQUIRED:
            pytest.fail("dovecot is not installed (apt-get install dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    _remove_stale_directories()
    base = Path(tempfile.mkdtemp(prefix="advice-dovecot-"))
    base.chmod(0o755)
    for folder in ("run", "state", "mail"):
        (base / folder).mkdir()
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(base / "mail", nobody.pw_uid, nobody.pw_gid)
    (base / "passwd").write_text(
        "".join(f"{user}:{{PLAIN}}{password}::::::\n" for user, password in USERS.items())
    )
    _write_certificate(base)
    process: subprocess.Popen[bytes] | None = None
    for _attempt in range(3):
        imaps_port, imap_port = _free_port(), _free_port()
        config = base / "dovecot.conf"
        config.write_text(_configuration(base, imaps_port, imap_port))
        process = subprocess.Popen(  # noqa: S603 (our own configuration)
            [binary, "-F", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_listening(imaps_port, process, base / "dovecot.log")
            break
        except RuntimeError:
            process.terminate()
            process.wait(timeout=10)
            process = None
    if process is None:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError("dovecot could not be started")
    server = Dovecot(base, imaps_port, imap_port, str(base / "cert.pem"), process)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)
