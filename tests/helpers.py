"""What tests do as a browser would: read a CSRF token, post and submit forms, sign in, count SQL
statements, read a received e-mail."""
import os
import re
from html.parser import HTMLParser

import pytest

from ecole.extensions import db
from tests.factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str = "/login") -> str:
    """A CSRF token for this client's session, read from a page's form as a browser would."""
    for candidate in (url, "/account", "/account/password", "/"):
        page = client.get(candidate)
        match = CSRF_RE.search(page.get_data(as_text=True))
        if match:
            return match.group(1) or match.group(2)
    raise AssertionError("no page with a CSRF token")


def post(client, url: str, data: dict | None = None, **kwargs):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kwargs)


class _FormReader(HTMLParser):
    """Reads the values a browser would send for the page's main form (not the sign-out button)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "values": {}})
        elif not self.forms:
            return
        values = self.forms[-1]["values"] if self.forms else {}
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    values.setdefault(attrs["name"], []).append(attrs.get("value", "y"))
            elif kind not in ("submit", "button"):
                values[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea" and attrs.get("name"):
            values[attrs["name"]] = ""
            self._textarea = attrs["name"]
        elif tag == "select":
            self._select = attrs.get("name")
            values[self._select] = None
        elif tag == "option" and self._select:
            if values.get(self._select) is None or "selected" in attrs:
                values[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea and self.forms:
                # Browsers drop the newline that follows <textarea>.
                values = self.forms[-1]["values"]
                values[self._textarea] = values[self._textarea].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["values"][self._textarea] += data


def submit(client, url: str, data: dict | None = None, *, form_url: str | None = None, **kwargs):
    """Post the form found on `form_url` (default `url`) as a browser would, with `data` typed in."""
    reader = _FormReader()
    reader.feed(client.get(form_url or url).get_data(as_text=True))
    path = url.split("?")[0]
    forms = [f for f in reader.forms if f["action"] in (None, "", path)] or \
        [f for f in reader.forms if f["action"] != "/logout"]
    assert forms, f"no form on {form_url or url}"
    values = {key: value for key, value in forms[0]["values"].items() if value is not None}
    values.update(data or {})
    return client.post(url, data=values, **kwargs)


def signed_in(app, user):
    """A new test client (a device) signed in as `user`."""
    client = app.test_client()
    login(client, user)
    return client


def count_statements(action) -> tuple[int, object]:
    """How many SQL statements `action()` runs, and what it returned."""
    from sqlalchemy import event

    statements = []

    def listener(*args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements), result


def count_queries(client, url: str) -> int:
    """How many SQL statements one GET of `url` runs (it must answer 200)."""
    count, response = count_statements(lambda: client.get(url))
    assert response.status_code == 200, url
    return count


def login(client, user, password: str = PASSWORD):
    response = post(client, "/login", {"identifier": user.email or user.phone, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response





class Inbox:
    """What the loopback SMTP server received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 3.0) -> list:
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def read_mail(envelope) -> tuple[str, str]:
    """(subject, body) of a received message, decoded."""
    from email import message_from_bytes
    from email.header import decode_header, make_header

    parsed = message_from_bytes(envelope.content)
    subject = str(make_header(decode_header(parsed["Subject"])))
    return subject, parsed.get_payload(decode=True).decode(parsed.get_content_charset() or "utf-8")


# What reads the same whatever the database (a PDF's text and fonts, a page's layout, a signature) runs
# in the SQLite stage of CI only: the PostgreSQL stage keeps its minutes for what the database changes.
same_on_every_database = pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                            reason="the same whatever the database: checked on SQLite")
