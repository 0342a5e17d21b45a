"""A tiny loopback HTTP client, and the context handed to each page's setup hook (sign-in included)."""
from __future__ import annotations

import http.client
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Callable
from urllib.parse import urlencode, urlsplit

# Flask-Login's session protection is "strong": a session cookie is bound to the User-Agent that signed
# in, so every request of a run (sign-in, warm-up, wrk, the fallback, Chromium) sends this same one.
USER_AGENT = "ecole-bench/1"


class BenchError(Exception):
    """A real failure: a server that does not start, a page that does not answer 200."""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)

    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                parsed = SimpleCookie()
                parsed.load(value)
                jar.update({name: morsel.value for name, morsel in parsed.items()})
        return jar


def request(base_url: str, method: str, path: str, *, headers: dict[str, str] | None = None,
            body: bytes | None = None, timeout: float = 10.0, source: str | None = None) -> Response:
    """One request on a new connection, no redirects followed (from the loopback address `source`)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                            source_address=(source, 0) if source else None)
    try:
        connection.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = connection.getresponse()
        return Response(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in jar.items())


class _CsrfScraper(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.token: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == "csrf_token" and self.token is None:
            self.token = attributes.get("value")


def login(base_url: str, identifier: str, password: str) -> dict[str, str]:
    """Sign in through the real form (GET /login, scrape the CSRF token, POST); returns the cookie jar."""
    page = request(base_url, "GET", "/login")
    if page.status != 200:
        raise BenchError(f"GET /login answered {page.status}")
    jar = page.cookies()
    scraper = _CsrfScraper()
    scraper.feed(page.body.decode("utf-8", "replace"))
    if not scraper.token:
        raise BenchError("no csrf_token field in the /login form")
    form = urlencode({"identifier": identifier, "password": password, "csrf_token": scraper.token})
    answer = request(base_url, "POST", "/login", body=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar)})
    location = answer.header("Location") or ""
    if answer.status != 302:
        raise BenchError(f"sign-in as {identifier} failed: POST /login answered {answer.status}")
    if "/account/password" in location:
        raise BenchError(f"sign-in as {identifier} leads to the forced password change ({location})")
    jar.update(answer.cookies())
    return jar


@dataclass
class Context:
    """What a page's setup hook can use. A hook returns extra request headers (or None)."""

    base_url: str
    flask: Callable[..., subprocess.CompletedProcess]  # flask(*args, input=None): `flask --app wsgi ARGS` on the bench database
    user_email: str
    user_password: str
    _jar: dict[str, str] | None = field(default=None, repr=False)
    # python(module, *args, input=None): `python -m MODULE ARGS` with the bench's environment (its database)
    python: Callable[..., subprocess.CompletedProcess] | None = field(default=None, repr=False)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return request(self.base_url, "GET", path, headers=headers)

    def session_cookie(self) -> str:
        """The Cookie header of the bench trainee's session; signs in once per run."""
        if self._jar is None:
            self._jar = login(self.base_url, self.user_email, self.user_password)
        return cookie_header(self._jar)

    def session_cookie_for(self, email: str, password: str) -> str:
        """The Cookie header of another account's session (e.g. the seeded trainer); once per run."""
        jars = self.__dict__.setdefault("_other_jars", {})
        if email not in jars:
            jars[email] = login(self.base_url, email, password)
        return cookie_header(jars[email])
