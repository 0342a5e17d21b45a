"""The home page's weight budget on a slow rural connection: first visit and repeat visit.

Static files carry a content hash (?v=…) and `Cache-Control: immutable`, so a repeat visit should
fetch the HTML page only."""
import pytest
from playwright.sync_api import Request

from tests.browser.pages import LANGS, assert_language

FIRST_VISIT_BUDGET = 100 * 1024
REPEAT_VISIT_BUDGET = 20 * 1024


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


@pytest.mark.parametrize("lang", LANGS)
def test_home_page_weight(new_context, live_server, lang):
    page = new_context().new_page()  # a fresh context: empty cache, no cookies
    url = f"/?lang={lang}"

    first, first_rows = _visit(page, url)
    assert_language(page, lang)
    print(_report(f"[{lang}] first visit", first, first_rows, live_server))

    repeat, repeat_rows = _visit(page, url)
    assert_language(page, lang)
    print(_report(f"[{lang}] repeat visit", repeat, repeat_rows, live_server))

    assert first <= FIRST_VISIT_BUDGET, _report(f"[{lang}] first visit over {FIRST_VISIT_BUDGET // 1024} KB",
                                                first, first_rows, live_server)
    assert repeat <= REPEAT_VISIT_BUDGET, _report(f"[{lang}] repeat visit over {REPEAT_VISIT_BUDGET // 1024} KB",
                                                  repeat, repeat_rows, live_server)
