"""The installable web app's own files: the manifest in the visitor's language and direction, the
service worker served from the root with headers that let it control every page and be checked
for updates, the offline page it keeps, and the staff pages' offline box with its translated texts."""
import json
import re

import pytest

from tests.helpers import signed_in


@pytest.mark.parametrize(("lang", "direction"), [("fr", "ltr"), ("ar", "rtl"), ("zgh", "ltr")])
def test_the_manifest_speaks_the_visitors_language(client, lang, direction):
    response = client.get(f"/manifest.webmanifest?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["lang"] == lang and manifest["dir"] == direction
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["name"] and manifest["short_name"]
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon
        assert icon["type"] == "image/png"
    assert "no-cache" in response.headers["Cache-Control"]


def test_the_manifest_is_arabic_for_an_arabic_browser(client):
    manifest = client.get("/manifest.webmanifest", headers={"Accept-Language": "ar-MA,fr;q=0.5"}).get_json(force=True)
    assert manifest["dir"] == "rtl" and manifest["lang"] == "ar" and manifest["name"] != "École — EPDR"


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    script = response.get_data(as_text=True)
    settings = json.loads(re.match(r"self\.ECOLE = (\{.*\});\n", script).group(1))
    # Workbox comes from this server (hashed URL), never from a CDN.
    assert settings["workbox"].startswith("/static/js/vendor/workbox.js?v=")
    assert client.get(settings["workbox"]).status_code == 200
    assert "importScripts(self.ECOLE.workbox)" in script
    assert not re.search(r"https?://", script.split("\n", 1)[1].replace("http://www.w3.org", ""))


def test_the_offline_page_is_translated_and_holds_nothing_personal(app, people):
    device = signed_in(app, people.trainer)
    for lang, title in (("fr", "Pas de réseau"), ("ar", None), ("zgh", None)):
        response = device.get(f"/offline?lang={lang}")
        assert response.status_code == 200 and response.headers["Content-Language"] == lang
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}"' in html
        if title:
            assert title in html
        assert "csrf_token" not in html and people.trainer.name_latin not in html


def test_pages_link_the_manifest_and_the_service_worker(client):
    html = client.get("/?lang=ar").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest?lang=ar"' in html
    assert re.search(r'<script src="/static/js/pwa\.js\?v=\w+" data-worker="/sw\.js"', html)
    assert "data-offline-box" not in html  # visitors keep nothing offline


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_a_trainers_pages_carry_the_offline_texts(app, people, lang):
    html = signed_in(app, people.trainer).get(f"/?lang={lang}").get_data(as_text=True)
    assert "js/offline.js" in html and "js/vendor/idb.js" in html
    raw = re.search(r"data-messages='([^']*)'", html).group(1)
    messages = json.loads(raw.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&"))
    assert "{when}" in messages["refreshed"]
    assert set(messages["offline_pending"]) >= {"0", "1", "2", "3", "11", "100"}
    assert "5" in messages["offline_pending"]["5"]
    if lang != "fr":
        assert "Hors ligne" not in raw, f"untranslated offline text in {lang}"
