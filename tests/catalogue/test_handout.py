"""The printable handout: real WeasyPrint output, read back with poppler's pdftotext and pdffonts."""

import pytest

from ecole.core.pdf import StaticOnlyFetcher
from tests.pdf import VENDORED_FONTS, needs_poppler, pdf_fonts, pdf_text

pytestmark = needs_poppler






@pytest.mark.parametrize("lang,expected", [
    ("fr", ["Le safran de Taliouine, de la plantation à la vente", "Planter en août, à 15 cm de profondeur."]),
    ("ar", ["زعفران تالوين من الغرس إلى البيع", "الغرس في غشت على عمق", "زراعة وتنقية وتجفيف زعفران ذي جودة"]),
    ("zgh", ["ⴰⵣⵄⴼⵔⴰⵏ ⵏ ⵜⴰⵍⵉⵡⵉⵏ", "ⴰⴽⵔⵣ ⴷ ⵓⵣⵡⵓ ⵏ ⵓⵣⵄⴼⵔⴰⵏ."]),
])
def test_handout_text_comes_back_in_logical_order(client, catalogue, tmp_path, lang, expected):
    response = client.get(f"/courses/saffron-basics/handout.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data, tmp_path)
    for line in expected:
        assert line in text, (line, text[:800])


def test_handout_uses_only_the_vendored_fonts(client, catalogue, tmp_path):
    fonts = set()
    for lang in ("fr", "ar", "zgh"):
        fonts.update(pdf_fonts(client.get(f"/courses/saffron-basics/handout.pdf?lang={lang}").data, tmp_path))
    assert fonts, "no font embedded"
    # Only our @font-face families (static/css/pdf.css): a system fallback such as DejaVu would show.
    assert fonts <= VENDORED_FONTS, fonts
    assert "Ecole-Naskh" in fonts and fonts & {"Ecole-Tifinagh", "Ecole-Tifinagh-Bold"}


def test_a_fallback_is_announced_in_the_handout(client, catalogue, tmp_path):
    text = pdf_text(client.get("/courses/argan-coop/handout.pdf?lang=zgh").data, tmp_path)
    assert "Gérer une coopérative d’argan" in text  # shown in French, the first fallback
    assert "Français" in text


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://127.0.0.1:5432/", "https://example.org/x.png",
                                 "file:///work/../etc/hostname"])
def test_pdf_fetcher_refuses_anything_outside_static(app, url):
    fetcher = StaticOnlyFetcher(__import__("pathlib").Path(app.static_folder))
    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_pdf_fetcher_serves_static_files(app):
    from pathlib import Path

    fetcher = StaticOnlyFetcher(Path(app.static_folder))
    response = fetcher.fetch((Path(app.static_folder) / "css" / "pdf.css").resolve().as_uri())
    assert b"@font-face" in response.read()
