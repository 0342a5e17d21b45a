"""Browser tests: the app served by a real HTTP server, driven by Debian's Chromium through Playwright.

Playwright's own browser download cannot work here, so the Debian `chromium` package is used.
Without it the tests are skipped (with the command to install it), except on CI, where they fail.
"""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.helpers import same_on_every_database

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
INSTALL_HINT = "sudo apt-get install -y chromium"
MOBILE = {"width": 412, "height": 900}
TIMEOUT_MS = 10_000  # a page of this app loads in well under a second: fail fast instead of after 30 s


def pytest_collection_modifyitems(config, items):
    # Every test of this folder drives the browser (`-m "not browser"` leaves them out). What it checks
    # (the rendered HTML and CSS, scripts, the service worker, axe-core's findings) is the same whatever
    # the database: CI's SQLite stage runs them, and its PostgreSQL stage keeps its minutes for what the
    # database changes (the same flows are tested there without a browser).
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            item.add_marker(same_on_every_database)


def _unavailable(message: str):
    """On CI a missing browser is a broken set-up, not a reason to skip quietly."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(message)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request would drown pytest's output
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app (same database) served on 127.0.0.1 and a free port; yields the base URL.

    Each request gets its own application context from Flask in the server's threads, apart from the
    test's own context (whose autouse fixture empties the tables after each test)."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.socket.getsockname()[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright_instance():
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's Chromium with `{INSTALL_HINT}`")
    from playwright.sync_api import sync_playwright  # pinned in requirements.txt

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser, live_server):
    """new_context(**options) → a fresh browser context (own cookies and cache) on the live server,
    with a mobile viewport; all closed at the end of the test."""
    contexts = []

    def make(**options):
        options = {"base_url": live_server, "viewport": MOBILE, "locale": "fr-FR", **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in its own new context (no cookies, empty cache), 412×900 like a common Android phone."""
    return new_context().new_page()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
