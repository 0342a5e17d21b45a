"""Visit every page a person can reach, as each role and in each language: no 5xx, the right
lang/dir, and no French text left in Arabic or Tamazight pages."""
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from babel.messages.pofile import read_po

from tests.factories import ROLES
from tests.routes import ROUTES, world_for

MAX_PAGES = 120
LANGS = ("fr", "ar", "zgh")


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.text, self.html_attrs = [], [], {}
        self._skip = 0
        self._langs: list[tuple[str, str | None]] = []  # (tag, lang) of open elements

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}

    def _foreign(self) -> bool:
        """Inside an element marked with another language (a notice in its recipient's language, a
        course text shown from its French fallback): not interface text."""
        page = self.html_attrs.get("lang")
        langs = [lang for _tag, lang in self._langs if lang]
        return bool(langs) and langs[-1] != page

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_attrs = attrs
        elif tag not in self.VOID:
            self._langs.append((tag, attrs.get("lang")))
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for name in ("placeholder", "aria-label", "title", "alt"):
            if attrs.get(name):
                self.text.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.text.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        for index in range(len(self._langs) - 1, -1, -1):
            if self._langs[index][0] == tag:
                del self._langs[index:]
                break

    def handle_data(self, data):
        if not self._skip and data.strip() and not self._foreign():
            self.text.append(data.strip())


def _catalogue(app, lang):
    from pathlib import Path

    with (Path(app.root_path).parent / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def french_words(app, lang) -> set[str]:
    """Short interface strings (a menu link, a button) that must not stand alone, untranslated, on the page."""
    words = set()
    for message in _catalogue(app, lang):
        if message.id and isinstance(message.id, str) and len(message.id) >= 4 and message.string != message.id \
                and "%" not in message.id:
            words.add(message.id)
    return words


def french_sentences(app) -> list[str]:
    """Interface strings long enough to be recognised: if one shows on an ar/zgh page, it is untranslated."""
    catalogue = _catalogue(app, "fr")
    sentences = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for msgid in ids:
            for part in re.split(r"%\([a-z_]+\)[sd]|%[sd]", msgid or ""):
                part = part.strip(" :.,«»…\n")
                if len(part) >= 12 and " " in part:
                    sentences.add(part)
    return sorted(sentences, key=len, reverse=True)


def crawl(client, start_urls, lang):
    seen, queue, pages = set(), list(start_urls), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static"):
            continue
        key = parts.path + ("?" + parts.query if parts.query and "lang=" not in parts.query else "")
        if key in seen or "/logout" in parts.path:
            continue
        seen.add(key)
        separator = "&" if parts.query else "?"
        response = client.get(f"{parts.path}?{parts.query}{separator}lang={lang}" if parts.query
                              else f"{parts.path}?lang={lang}")
        pages.append((url, response))
        if response.status_code == 200 and response.mimetype == "text/html":
            parser = PageParser()
            parser.feed(response.get_data(as_text=True))
            queue.extend(urljoin(url, link) for link in parser.links)
    return pages


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", ROLES)
def test_crawl(app, as_role, people, role, lang):
    world = world_for(people)
    client = as_role(role)
    starts = ["/"] + [route.url(world) for methods in ROUTES.values() for method, route in methods.items()
                      if method == "GET" and route.crawl and role in route.allowed]
    pages = crawl(client, starts, lang)
    assert len(pages) >= 3
    sentences = french_sentences(app) if lang != "fr" else []
    words = french_words(app, lang) if lang != "fr" else set()
    for url, response in pages:
        assert response.status_code < 500, f"{response.status_code} on {url} ({role}, {lang})"
        if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
            continue
        parser = PageParser()
        parser.feed(response.get_data(as_text=True))
        assert parser.html_attrs.get("lang") == lang, url
        assert parser.html_attrs.get("dir") == ("rtl" if lang == "ar" else "ltr"), url
        text = "\n".join(parser.text)
        leftovers = [sentence for sentence in sentences if sentence in text]
        leftovers += [node for node in parser.text if node in words]
        assert not leftovers, f"untranslated on {url} ({role}, {lang}): {leftovers[:3]}"
