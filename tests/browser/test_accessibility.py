"""Accessibility: axe-core finds no WCAG 2.1 A/AA violation on any page a crawl reaches, as each role,
in each language.

The crawl itself is the one of tests/core/test_crawler.py (Flask's test client, so it is cheap); its
pages are then reduced to one per endpoint (the same template shows the same markup) plus an error
page, and each is opened in Chromium and checked by axe-core in fr, ar and zgh. One browser for the
whole run, one context per role.

axe-core is vendored for the tests only (tests/browser/vendor/axe-core/, MPL-2.0). It goes into each
page as an init script: that runs through the DevTools protocol, outside the page's
Content-Security-Policy, so the app's CSP (no inline script) stays as strict as in production.
"""
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.browser.pages import LANGS
from tests.conftest import PASSWORD, ROLES
from tests.core.test_crawler import crawl
from tests.routes import ROUTES, world_for

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_PAGES_PER_ROLE = 40  # endpoints, after de-duplication: bounds the run time (each is checked in 3 languages)
NOT_FOUND = "/no-such-page"  # the error page, which no link leads to

AXE_RUN = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary, html: n.html.slice(0, 160)})),
  }));
}
"""


def _endpoint(app, url: str) -> str:
    """The Flask endpoint that answers `url` (its template decides the markup)."""
    try:
        return app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")[0]
    except HTTPException as error:
        return str(error.code)


def pages_to_check(app, client, world, role: str) -> dict[str, str]:
    """endpoint → one URL of it, for every HTML page the crawl reaches as `role`."""
    starts = ["/"] + [route.url(world) for methods in ROUTES.values() for method, route in methods.items()
                      if method == "GET" and route.crawl and role in route.allowed]
    pages: dict[str, str] = {}
    for url, response in crawl(client, starts, "fr"):
        if response.status_code == 200 and response.mimetype == "text/html":
            pages.setdefault(_endpoint(app, url), url)
    pages = dict(list(pages.items())[:MAX_PAGES_PER_ROLE])
    pages["404"] = NOT_FOUND
    return pages


def with_lang(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def sign_in(page, person) -> None:
    page.goto("/login")
    page.fill("#identifier", person.email or person.phone)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    assert urlsplit(page.url).path != "/login", f"{person.email} could not sign in"


def report(violations: list[dict]) -> str:
    lines = [f"{len(violations)} WCAG 2.1 AA violation(s) found by axe-core:"]
    for v in violations:
        lines.append(f"- [{v['role']}, {v['lang']}] {v['url']}: {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:3]:
            lines.append(f"    {node['target']}  {node['html']}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


@pytest.mark.parametrize("role", ROLES)
def test_no_wcag_violation_on_any_page(app, as_role, people, new_context, role):
    world = world_for(people)
    pages = pages_to_check(app, as_role(role), world, role)
    assert len(pages) >= 4, pages

    context = new_context()
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    if role != "anonymous":
        sign_in(page, people[role])

    violations = []
    for lang in LANGS:
        for endpoint, url in pages.items():
            response = page.goto(with_lang(url, lang))
            expected = 404 if endpoint == "404" else 200
            assert response.status == expected, f"{response.status} on {url} ({role}, {lang})"
            assert page.evaluate("typeof axe") == "object", f"axe-core did not load on {url}"
            for violation in page.evaluate(AXE_RUN, WCAG_21_AA):
                violations.append({**violation, "role": role, "lang": lang, "url": url})
    assert not violations, report(violations)


def test_scrollable_boxes_come_from_the_shared_macro():
    """A box the CSS lets scroll must be reachable by keyboard and named: templates/_table.html does
    that once, so no template may open such a box by hand (the crawl may not reach every page)."""
    import re

    root = Path(__file__).resolve().parents[2]
    css = (root / "static" / "css" / "ecole.css").read_text(encoding="utf-8")
    scrolling = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        if re.search(r"overflow(-[xy]|-inline|-block)?\s*:\s*(auto|scroll)", body):
            scrolling.update(re.findall(r"\.([\w-]+)", selectors))
    macro = (root / "templates" / "_table.html").read_text(encoding="utf-8")
    assert 'tabindex="0"' in macro and 'role="region"' in macro and "aria-label=" in macro
    assert scrolling, "ecole.css has no scrolling box any more: update this test"
    for name in sorted(scrolling):
        assert name in macro, f".{name} scrolls (ecole.css): only a macro of _table.html may open it"
        by_hand = [str(path.relative_to(root)) for path in (root / "templates").rglob("*.html") if path.name != "_table.html"
                   and re.search(rf'class="[^"]*\b{name}\b', path.read_text(encoding="utf-8"))]
        assert not by_hand, f"use {{% call scroll_table(label) %}} from _table.html, not a bare .{name}: {by_hand}"
