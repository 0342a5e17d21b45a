"""What a phone must store to read a course offline: its pages in the reader's language and the
static files they load, with the total size, so that the trainee knows the cost before saving it
on a phone with little room and a paid data plan (static/js/lessons.js stores them)."""
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from ecole.i18n import format_number


class _Assets(HTMLParser):
    """The static files a page loads: images, scripts and style sheets (not icons or the manifest,
    which a page read offline does not need)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag in ("img", "script"):
            url = found.get("src")
        elif tag == "link" and (found.get("rel") or "").lower() == "stylesheet":
            url = found.get("href")
        else:
            url = None
        if url and urlsplit(url).path.startswith("/static/") and not urlsplit(url).netloc and url not in self.urls:
            self.urls.append(url)


def static_assets(html: str) -> list[str]:
    parser = _Assets()
    parser.feed(html)
    return parser.urls


def static_size(url: str) -> int:
    """The size of a /static/… file (0 when it does not exist: the page would not get it either)."""
    relative = urlsplit(url).path.removeprefix("/static/")
    folder = Path(current_app.static_folder).resolve()
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return 0
    return path.stat().st_size


def size_label(size: int) -> str:
    """« 43 Ko », rounded up: the trainee learns the order of magnitude, never zero."""
    return _("%(kilobytes)s Ko", kilobytes=format_number(max(1, -(-size // 1024))))


def lesson_pack(course, lang: str, pages: dict[str, str]) -> dict:
    """pages: URL → the HTML the reader gets there (the course page first, then its lessons).
    Nothing personal goes in: URLs, sizes and the course's title in the reader's language."""
    assets: list[str] = []
    for html in pages.values():
        assets += [url for url in static_assets(html) if url not in assets]
    size = sum(len(html.encode("utf-8")) for html in pages.values()) + sum(static_size(url) for url in assets)
    return {"slug": course.slug, "title": course.title(lang), "lang": lang, "urls": [*pages, *assets],
            "bytes": size, "size": size_label(size)}
