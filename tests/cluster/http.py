"""A small HTTP client: cookies, forms, uploads, a chosen source address. The cluster test
uses it, and so do the load benchmark and the fault soak (benchmarks/serving.py).

Each client may send from its own loopback address (127.0.0.0/8 is all loopback on Linux),
so nginx and the app see different clients, as rate limits per client need.
"""

from __future__ import annotations

import http.client
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission"[^>]*value="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Browser:
    """One person's browser: its own cookies, one connection per request. Secure cookies
    are sent back over plain HTTP, as the browser behind a load balancer's TLS would."""

    port: int
    source: str | None = "127.0.0.1"
    host: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30.0

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        connection = http.client.HTTPConnection(
            self.host,
            self.port,
            timeout=self.timeout,
            source_address=(self.source, 0) if self.source else None,
        )
        try:
            sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = self.cookie_header
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, cookie = pair.partition("=")
                    self.cookies[key.strip()] = cookie.strip()
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            return Answer(response.status, answer_headers, data)
        finally:
            connection.close()

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Answer:
        return self.request(
            "POST",
            path,
            urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )

    def post_files(
        self, path: str, fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
    ) -> Answer:
        boundary = uuid.uuid4().hex
        parts: list[bytes] = []
        for name, value in fields:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, filename, data in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        match = CSRF.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status})"
        return match.group(1)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf_token("/login")
        answer = self.post(
            "/login", [("csrf_token", token), ("email", email), ("password", password)]
        )
        assert answer.status == 302, f"sign-in failed: {answer.status} {answer.text[:300]}"
