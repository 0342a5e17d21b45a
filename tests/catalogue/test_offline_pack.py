"""/courses/<slug>/offline.json: what a phone stores to read a course offline, and what it weighs.
Only the reader's language, sizes that add up, nothing personal, and no pack for a course the
reader may not see."""
import json
from pathlib import Path

import pytest

from ecole.catalogue.offline import static_assets
from tests.helpers import signed_in


def _pack(device, slug="saffron-basics", **headers):
    response = device.get(f"/courses/{slug}/offline.json", headers={"Accept": "application/json", **headers})
    return response


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_the_pack_lists_the_course_its_lessons_and_their_files_in_the_readers_language(app, people, catalogue, lang):
    people.trainee.locale = lang
    from ecole.extensions import db
    db.session.commit()
    device = signed_in(app, people.trainee)
    response = _pack(device)
    assert response.status_code == 200
    pack = response.get_json()
    assert pack["slug"] == "saffron-basics" and pack["lang"] == lang and pack["title"]
    pages = [url for url in pack["urls"] if not url.startswith("/static/")]
    assert pages == ["/courses/saffron-basics", "/courses/saffron-basics/lessons/bulbes",
                     "/courses/saffron-basics/lessons/cueillette"]
    # Plain URLs: fetched with the reader's cookies they come in the reader's language, and they are
    # the URLs the reader's links lead to offline.
    assert not any("lang=" in url for url in pack["urls"])
    for url in pages:
        html = device.get(url).get_data(as_text=True)
        assert f'<html lang="{lang}"' in html
    assets = [url for url in pack["urls"] if url.startswith("/static/")]
    assert any(url.startswith("/static/css/ecole.css?v=") for url in assets)
    assert any(url.startswith("/static/js/lessons.js?v=") for url in assets)
    for url in assets:
        assert device.get(url).status_code == 200, url
    assert len(pack["urls"]) == len(set(pack["urls"]))

    # The weight: the pages as rendered for the reader, plus the files they load.
    static = Path(app.static_folder)
    files = sum((static / url.split("?")[0].removeprefix("/static/")).stat().st_size for url in assets)
    rendered = sum(len(device.get(url).get_data()) for url in pages)
    assert pack["bytes"] > files > 0
    assert abs(pack["bytes"] - files - rendered) < 600, "the size is what the phone will store (± CSRF tokens)"
    assert pack["size"] and pack["size"] != "0"
    if lang != "fr":
        assert "Ko" not in pack["size"]


def test_the_pack_holds_nothing_personal(app, people, catalogue):
    device = signed_in(app, people.trainee)
    raw = _pack(device).get_data(as_text=True)
    pack = json.loads(raw)
    assert set(pack) == {"slug", "title", "lang", "urls", "bytes", "size"}
    for personal in (people.trainee.name_latin, people.trainee.email, "csrf", f'"{people.trainee.id}"'):
        assert personal and personal not in raw, personal
    assert "no-store" in _pack(device).headers["Cache-Control"]


@pytest.mark.parametrize("slug", ["draft-course", "no-such-course"])
def test_no_pack_for_an_unpublished_or_unknown_course(app, people, catalogue, slug):
    assert _pack(signed_in(app, people.trainee), slug).status_code == 404


def test_visitors_get_no_pack(client, catalogue):
    assert _pack(client).status_code == 401
    assert client.get("/courses/saffron-basics/offline.json").status_code == 302


def test_only_the_files_a_page_loads_count():
    html = ('<link rel="stylesheet" href="/static/css/a.css?v=1"><link rel="icon" href="/static/img/i.svg">'
            '<script src="/static/js/x.js?v=2"></script><img src="/static/img/p.png"><img src="https://cdn.example/x.png">'
            '<img src="/static/img/p.png">')
    assert static_assets(html) == ["/static/css/a.css?v=1", "/static/js/x.js?v=2", "/static/img/p.png"]
