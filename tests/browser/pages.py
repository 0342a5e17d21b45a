"""Helpers shared by the browser tests: language checks, font checks, screenshots, forms."""
from pathlib import Path

from playwright.sync_api import Page, expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

DIRECTION = {"fr": "ltr", "ar": "rtl", "zgh": "ltr"}
LANGS = tuple(DIRECTION)

# What each vendored web font must draw: checked with the page's own FontFaceSet. Every page
# draws the switcher's language names with a tiny subset; Arabic and Tamazight pages draw their
# text with the full script font.
SWITCHER_FONT = {"Ecole Header": "العربيةⵜⴰⵎⴰⵣⵉⵖⵜ"}
PAGE_FONTS = {"fr": {}, "ar": {"Noto Sans Arabic": "العربية"}, "zgh": {"Noto Sans Tifinagh": "ⵜⴰⵎⴰⵣⵉⵖⵜ"}}

FONTS_JS = """
async ([family, sample]) => {
  await document.fonts.ready;
  const faces = [...document.fonts].filter(face => face.family.replace(/["']/g, "") === family);
  return {
    check: document.fonts.check(`16px "${family}"`, sample),
    faces: faces.length,
    loaded: faces.filter(face => face.status === "loaded").length,
  };
}
"""


def assert_language(page: Page, lang: str) -> None:
    """<html lang dir> and the header's language switch (links, or a signed-in person's buttons) all say `lang`."""
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", DIRECTION[lang])
    expect(page.locator('nav.langs [aria-current="true"]')).to_have_attribute("lang", lang)


def assert_fonts_render(page: Page) -> dict:
    """Arabic and Tifinagh text of the page (the header's language names at least) is drawn with the
    vendored web fonts: the face is declared, loaded, and document.fonts.check() is true."""
    lang = page.locator("html").get_attribute("lang")
    samples = {**SWITCHER_FONT, **PAGE_FONTS.get(lang, {})}
    results = {family: page.evaluate(FONTS_JS, [family, sample]) for family, sample in samples.items()}
    for family, result in results.items():
        assert result["faces"] >= 1, f"{family}: no @font-face declared on {page.url}"
        assert result["loaded"] >= 1, f"{family}: declared but never loaded on {page.url}: {result}"
        assert result["check"] is True, f"{family}: document.fonts.check() is false on {page.url}: {result}"
    return results


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot in artifacts/screenshots/ (git-ignored), once the web fonts are in."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if _javascript_enabled(page):
        page.evaluate("document.fonts.ready.then(() => true)")
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _javascript_enabled(page: Page) -> bool:
    try:
        return page.evaluate("true") is True
    except Exception:  # noqa: BLE001 - JavaScript disabled in this context
        return False


def submit(page: Page, form_selector: str = "main form.card") -> None:
    """Press the form's submit button and wait for the next page."""
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").click()


def cookie(page: Page, name: str) -> str | None:
    for item in page.context.cookies():
        if item["name"] == name:
            return item["value"]
    return None


def path_of(page: Page) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(page.url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
