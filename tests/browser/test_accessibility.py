"""Accessibility: axe-core finds no WCAG 2.1 A/AA violation on any page a crawl reaches, as each role,
in each language.

The crawl itself is the one of tests/core/test_crawler.py (Flask's test client, so it is cheap); its
pages are then reduced to one per endpoint (the same template shows the same markup) plus an error
page, and each is opened in Chromium and checked by axe-core: on a phone in fr, ar and zgh, on a
desktop in Arabic (right to left; the left-to-right desktop is its mirror, with the markup and colours
the phone pass checks in French), and every form of them once more as it comes back refused, in French
and Arabic (Tamazight's markup is French's with other words, checked on the phone). The longest test
of the suite: each pass dropped saved a fifth of it. One browser for the whole run, one context per
role.

axe-core is vendored for the tests only (tests/browser/vendor/axe-core/, MPL-2.0). It goes into each
page as an init script: that runs through the DevTools protocol, outside the page's
Content-Security-Policy, so the app's CSP (no inline script) stays as strict as in production.
"""
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from tests.browser.conftest import MOBILE
from tests.browser.pages import LANGS
from tests.core.test_crawler import crawl
from tests.factories import PASSWORD, ROLES
from tests.routes import ROUTES, world_for

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
NOT_FOUND = "/no-such-page"  # the error page, which no link leads to

AXE_RUN = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  const violations = result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary, html: n.html.slice(0, 160)})),
  }));
  // WCAG 2.1's 4.1.1 (Parsing) asks for unique ids; axe-core 4.x dropped that rule along with WCAG 2.2's
  // removal of 4.1.1, so it is checked here.
  const seen = new Map();
  for (const element of document.querySelectorAll("[id]")) {
    seen.set(element.id, [...(seen.get(element.id) || []), element]);
  }
  const duplicates = [...seen.values()].filter(elements => elements.length > 1);
  if (duplicates.length) {
    violations.push({id: "duplicate-id", impact: "minor", help: "ids must be unique (WCAG 2.1 4.1.1)",
      nodes: duplicates.map(elements => ({target: "#" + elements[0].id, summary: `${elements.length} elements`,
                                          html: elements[0].outerHTML.slice(0, 160)}))});
  }
  return violations;
}
"""


def _endpoint(app, url: str) -> str:
    """The Flask endpoint that answers `url` (its template decides the markup)."""
    try:
        return app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")[0]
    except HTTPException as error:
        return str(error.code)


def pages_to_check(app, client, world, role: str) -> dict[str, str]:
    """endpoint → one URL of it, for every HTML page the crawl reaches as `role`. One per endpoint keeps
    the run bounded by the number of routes, not by the amount of data (courses, people, sessions)."""
    starts = ["/"] + [route.url(world) for methods in ROUTES.values() for method, route in methods.items()
                      if method == "GET" and route.crawl and role in route.allowed]
    pages: dict[str, str] = {}
    for url, response in crawl(client, starts, "fr"):
        if response.status_code == 200 and response.mimetype == "text/html":
            pages.setdefault(_endpoint(app, url), url)
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


REFUSE_JS = """
() => {
  // The page's own form (it posts to this very URL), emptied and sent past the browser's own checks,
  // so that the server answers with its error summary and invalid fields.
  const form = [...document.querySelectorAll("main form")].find(
    // getAttribute: a field named "action" or "method" would shadow the form's own properties.
    f => (f.getAttribute("method") || "").toLowerCase() === "post" && f.querySelector("[type=submit]")
      && new URL(f.getAttribute("action") || location.href, location.href).pathname === location.pathname);
  if (!form) return false;
  form.noValidate = true;
  for (const field of form.querySelectorAll("input, textarea")) {
    if (!["hidden", "submit", "button", "checkbox", "radio"].includes(field.type)) field.value = "";
  }
  form.dataset.refuse = "";
  return true;
}
"""


def check(page, violations: list, **where) -> None:
    assert page.evaluate("typeof axe") == "object", f"axe-core did not load on {page.url}"
    for violation in page.evaluate(AXE_RUN, WCAG_21_AA):
        violations.append({**violation, **where})


def report(violations: list[dict]) -> str:
    lines = [f"{len(violations)} WCAG 2.1 AA violation(s) found by axe-core:"]
    for v in violations:
        lines.append(f"- [{v['role']}, {v['lang']}, {v['state']}] {v['url']}: {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:3]:
            lines.append(f"    {node['target']}  {node['html']}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


# Confirmation pages ("Yes, cancel my enrolment", "Yes, close the session"): their form, sent as it is,
# does what it asks. There is nothing to refuse, and the next language would find the deed done.
CONFIRMATIONS = {"training.cancel_enrolment", "sessions.complete"}
# The satisfaction questionnaire opens after the last meeting: in this world it says so, with no form
# (its open form, errors included, is checked in tests/attendance/test_survey.py).
CONFIRMATIONS |= {"evaluation.survey_page"}


def own_forms(pages: dict[str, str], world: dict) -> dict[str, str]:
    """The pages among `pages` whose form posts back to the page itself (from the route table)."""
    return {endpoint: url for endpoint, url in pages.items()
            if "POST" in ROUTES.get(endpoint, {}) and ROUTES[endpoint]["POST"].url(world) == url
            and endpoint not in CONFIRMATIONS}


@pytest.mark.parametrize("role", ROLES)
def test_no_wcag_violation_on_any_page(app, as_role, people, new_context, role):
    world = world_for(people)
    pages = pages_to_check(app, as_role(role), world, role)
    forms = own_forms(pages, world)
    assert len(pages) >= 4 and forms, pages

    context = new_context()
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    violations: list[dict] = []
    if role != "anonymous":
        sign_in(page, people[role])
        check(page, violations, role=role, lang="fr", state="signed in (flash)", url=urlsplit(page.url).path)

    # Every page as it first shows, on a phone (the school's usual screen) in each language, then on a
    # desktop, whose layout differs (header, menus, tables at full width): right to left, the mirror
    # of the left-to-right one.
    for viewport, langs in ((MOBILE, LANGS), (DESKTOP, ("ar",))):
        page.set_viewport_size(viewport)
        state = f"{viewport['width']}px"
        for lang in langs:
            for endpoint, url in pages.items():
                response = page.goto(with_lang(url, lang))
                expected = 404 if endpoint == "404" else 200
                assert response.status == expected, f"{response.status} on {url} ({role}, {lang})"
                check(page, violations, role=role, lang=lang, state=state, url=url)

    # Every form sent empty: the error summary, messages and invalid fields must be accessible too.
    page.set_viewport_size(MOBILE)
    unrefused = []
    for lang in ("fr", "ar"):
        for url in forms.values():
            page.goto(with_lang(url, lang))
            assert page.evaluate(REFUSE_JS), f"no form posting back to {url}"
            with page.expect_navigation():
                page.locator("form[data-refuse] [type=submit]").first.click()
            if not page.locator("main [aria-invalid=true], main .errors").count():
                unrefused.append(url)
            check(page, violations, role=role, lang=lang, state="form sent empty", url=url)
    assert len(unrefused) < len(forms) * 2, f"no form showed an error when sent empty ({role}): {unrefused}"
    assert not violations, report(violations)


# The phone's menus scroll sideways, but they are strips of links: each link takes the keyboard's
# focus and scrolls the strip to itself, so they need no focusable box of their own.
LINK_STRIPS = {"menu", "subnav"}


def test_scrollable_boxes_come_from_the_shared_macro():
    """A box the CSS lets scroll must be reachable by keyboard and named: templates/_table.html does
    that once, so no template may open such a box by hand (the crawl may not reach every page)."""
    import re

    root = Path(__file__).resolve().parents[2]
    css = (root / "static" / "css" / "ecole.css").read_text(encoding="utf-8")
    css = re.sub(r"@media[^{]*\{", "", css)  # the rules inside a media query, without its condition
    scrolling = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        if re.search(r"overflow(-[xy]|-inline|-block)?\s*:\s*(auto|scroll)", body):
            scrolling.update(re.findall(r"\.([\w-]+)", selectors))
    macro = (root / "templates" / "_table.html").read_text(encoding="utf-8")
    assert 'tabindex="0"' in macro and 'role="region"' in macro and "aria-label=" in macro
    assert scrolling, "ecole.css has no scrolling box any more: update this test"
    for name in sorted(scrolling - LINK_STRIPS):
        assert name in macro, f".{name} scrolls (ecole.css): only a macro of _table.html may open it"
        by_hand = [str(path.relative_to(root)) for path in (root / "templates").rglob("*.html") if path.name != "_table.html"
                   and re.search(rf'class="[^"]*\b{name}\b', path.read_text(encoding="utf-8"))]
        assert not by_hand, f"use {{% call scroll_table(label) %}} from _table.html, not a bare .{name}: {by_hand}"
