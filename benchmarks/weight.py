"""Page weight: bytes a browser transfers for a page, first visit and repeat visit, in Debian's Chromium."""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from benchmarks.client import USER_AGENT, BenchError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FIRST_BUDGET_KB = 60  # home and catalogue, in each language (issue 14)
REPEAT_BUDGET_KB = 20
KB = 1024
NAVIGATION_TIMEOUT_MS = 15_000


class PageError(BenchError):
    """The page itself failed in the browser (not 200): a real failure, unlike a Chromium that won't start."""


def unavailable() -> str | None:
    """Why page weight cannot be measured here, or None."""
    if not os.path.exists(CHROMIUM):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed in this environment"
    return None


def _visit(page, url: str) -> list[dict]:
    finished = []

    def on_finished(req):
        finished.append(req)

    page.on("requestfinished", on_finished)
    try:
        response = page.goto(url, wait_until="load", timeout=NAVIGATION_TIMEOUT_MS)
        if response is None or response.status != 200:
            raise PageError(f"HTTP {response.status if response else 'no response'} in Chromium")
        try:
            page.wait_for_load_state("networkidle", timeout=5_000)  # late fonts
        except Exception:  # noqa: BLE001 - a busy page still has its bytes counted
            pass
    finally:
        page.remove_listener("requestfinished", on_finished)
    resources = []
    for req in finished:
        sizes = req.sizes()
        # A response from the browser's cache has a body size of minus its headers size (nothing came
        # over the network), so the sum is the bytes transferred: 0 for a cache hit, headers for a 304.
        size = max(0, sizes["responseBodySize"] + sizes["responseHeadersSize"])
        response = req.response()
        parts = urlsplit(req.url)
        resources.append({"path": parts.path + (f"?{parts.query}" if parts.query else ""),
                          "type": req.resource_type, "status": response.status if response else None,
                          "bytes": size})
    return resources


def measure(base_url: str, pages: list[tuple[str, str, dict[str, str]]]) -> list[dict]:
    """pages: (name, path, extra headers). One fresh browser context per page: the first visit has an
    empty cache; the repeat visit navigates again in the same context."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, path, headers in pages:
                context = browser.new_context(user_agent=USER_AGENT, extra_http_headers=headers or None)
                try:
                    page = context.new_page()
                    first = _visit(page, base_url + path)
                    repeat = _visit(page, base_url + path)
                except PageError as error:
                    results.append({"page": name, "path": path, "error": str(error)})
                    continue
                finally:
                    context.close()
                results.append({
                    "page": name, "path": path,
                    "first_bytes": sum(r["bytes"] for r in first),
                    "repeat_bytes": sum(r["bytes"] for r in repeat),
                    "first_budget_kb": FIRST_BUDGET_KB, "repeat_budget_kb": REPEAT_BUDGET_KB,
                    "first_resources": first, "repeat_resources": repeat,
                })
        finally:
            browser.close()
    return results
