"""The weight budget of the home page and the catalogue on a slow rural connection: first visit and
repeat visit, in each language.

Static files carry a content hash (?v=…) and `Cache-Control: immutable`, so a repeat visit should
fetch the HTML page only. The first visit is mostly fonts: each page downloads only its script's
(static/css/fonts.css), and text is sent gzipped (ecole/core/compression.py)."""
from pathlib import Path

import flask
import pytest
from playwright.sync_api import Request

from ecole.catalogue.services import import_catalogue
from ecole.extensions import db
from tests.browser.pages import LANGS, assert_language

FIRST_VISIT_BUDGET = 60 * 1024
REPEAT_VISIT_BUDGET = 20 * 1024
COURSES = Path(__file__).resolve().parents[2] / "courses"


def _transferred(requests: list[Request]) -> tuple[int, list[tuple[int, str]]]:
    rows = []
    for request in requests:
        sizes = request.sizes()
        rows.append((sizes["responseBodySize"] + sizes["responseHeadersSize"], request.url))
    return sum(size for size, _url in rows), rows


def _visit(page, url: str) -> tuple[int, list[tuple[int, str]]]:
    finished: list[Request] = []

    def on_finished(request: Request) -> None:
        finished.append(request)

    page.on("requestfinished", on_finished)
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    page.remove_listener("requestfinished", on_finished)
    return _transferred(finished)


def _report(label: str, total: int, rows: list[tuple[int, str]], base: str) -> str:
    lines = [f"{label}: {total / 1024:.1f} KB in {len(rows)} responses"]
    lines += [f"    {size / 1024:7.1f} KB  {url.removeprefix(base)}" for size, url in sorted(rows, reverse=True)]
    return "\n".join(lines)


@pytest.fixture
def catalogue(app_context):
    """The school's real courses (courses/), in three languages: the catalogue's first page is full."""
    assert not import_catalogue(COURSES, actor=None).problems
    db.session.commit()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/", "/courses"])
def test_home_and_catalogue_weight(new_context, live_server, catalogue, path, lang):
    page = new_context().new_page()  # a fresh context: empty cache, no cookies
    url = f"{path}?lang={lang}"

    first, first_rows = _visit(page, url)
    assert_language(page, lang)
    print(_report(f"[{url}] first visit", first, first_rows, live_server))

    repeat, repeat_rows = _visit(page, url)
    assert_language(page, lang)
    print(_report(f"[{url}] repeat visit", repeat, repeat_rows, live_server))

    assert first <= FIRST_VISIT_BUDGET, _report(f"[{url}] first visit over {FIRST_VISIT_BUDGET // 1024} KB",
                                                first, first_rows, live_server)
    assert repeat <= REPEAT_VISIT_BUDGET, _report(f"[{url}] repeat visit over {REPEAT_VISIT_BUDGET // 1024} KB",
                                                  repeat, repeat_rows, live_server)


# The installable web app's share: the service worker and its libraries add at most 30 KB to a first
# visit, and a repeat visit transfers at most 5 KB for them (a 304 for /sw.js, nothing else), counted
# as the server sends them (gzipped when a file gains from it: ecole/core/compression.py).
PWA_FIRST_VISIT_BUDGET = 30 * 1024
PWA_REPEAT_VISIT_BUDGET = 5 * 1024
PWA_FILES = ("/sw.js", "/static/js/pwa.js", "/static/js/vendor/", "/offline", "/manifest.webmanifest")


def _pwa_visit(app, page, url: str) -> tuple[int, list[tuple[int, str]]]:
    """What the server sent for the web app's files (body and headers) while `url` loads and the
    worker installs and takes control. Counted on the server: Chromium reports no sizes for a
    service worker's own requests, and the server only sees what the browser did not find in a cache."""
    sent: list[tuple[int, str]] = []

    def on_sent(sender, response, **extra):
        path = flask.request.full_path.rstrip("?")
        if path.startswith(PWA_FILES):
            size = (response.content_length or 0) + len(str(response.headers))
            sent.append((size, f"{path} [{response.status_code}]"))

    flask.request_finished.connect(on_sent, app)
    try:
        page.goto(url, wait_until="load")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_function("!!navigator.serviceWorker.controller")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # the worker's install requests, after the page is idle
    finally:
        flask.request_finished.disconnect(on_sent, app)
    return sum(size for size, _path in sent), sent


def test_the_service_worker_stays_within_its_weight_budget(app, new_context, live_server):
    page = new_context().new_page()
    first, first_rows = _pwa_visit(app, page, "/?lang=fr")
    print(_report("[pwa] first visit", first, first_rows, live_server))
    assert any("/sw.js [200]" in u for _s, u in first_rows), first_rows
    assert any("/static/js/vendor/workbox.js" in u for _s, u in first_rows), first_rows
    assert first <= PWA_FIRST_VISIT_BUDGET, _report("[pwa] first visit over budget", first, first_rows, live_server)

    repeat, repeat_rows = _pwa_visit(app, page, "/?lang=fr")
    print(_report("[pwa] repeat visit", repeat, repeat_rows, live_server))
    assert repeat <= PWA_REPEAT_VISIT_BUDGET, _report("[pwa] repeat visit over budget", repeat, repeat_rows,
                                                      live_server)
