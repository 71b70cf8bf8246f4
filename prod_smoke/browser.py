"""A person's browser, reduced to what the smoke test needs: cookies, forms with their CSRF token, any node.

One cookie jar for every node, as behind a load balancer that sends each request
wherever it likes: a session started on one node must hold on the other.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def request_id(self) -> str:
        return self.headers.get("x-request-id", "")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def csrf_token(self) -> str:
        match = CSRF_FIELD.search(self.body)
        if match is None:
            raise SystemExit(f"No form with a CSRF token on this page:\n{self.body[:2000]}")
        return match.group(1)


@dataclass
class Browser:
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, port: int, path: str) -> Answer:
        return self._send(port, "GET", path, None)

    def get_with_headers(self, port: int, path: str, headers: dict[str, str]) -> Answer:
        return self._send(port, "GET", path, None, headers)

    def post(self, port: int, path: str, fields: dict[str, str], csrf_from: Answer) -> Answer:
        return self._send(port, "POST", path, {"csrfmiddlewaretoken": csrf_from.csrf_token(), **fields})

    def sign_in(self, port: int, username: str, password: str) -> None:
        form = self.get(port, "/accounts/login/")
        answer = self.post(port, "/accounts/login/", {"username": username, "password": password}, form)
        if answer.status != 302:
            raise SystemExit(f"Signing in as {username} failed with {answer.status}.")

    def _send(
        self, port: int, method: str, path: str, fields: dict[str, str] | None, extra: dict[str, str] | None = None
    ) -> Answer:
        headers = {"Host": f"127.0.0.1:{port}", **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode())
            self._keep_cookies(response.msg.get_all("Set-Cookie") or [])
        finally:
            connection.close()
        return answer

    def _keep_cookies(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
