"""The readable copy of a person's data: real WeasyPrint output in French, Arabic and Tamazight, read back
with poppler (pdftotext, pdffonts) as a person copying its text or a screen reader would."""
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from ecole.privacy.printing import personal_data_pdf
from ecole.privacy.queries import personal_data
from tests.helpers import post, same_on_every_database, signed_in
from tests.pdf import VENDORED_FONTS, needs_poppler, pdf_fonts, pdf_text
from tests.privacy.conftest import NAMES

pytestmark = [needs_poppler, same_on_every_database]

SECTIONS = ("Compte et profil", "Inscriptions", "Certificats", "Avis reçus", "Ce que l’École a fait de votre compte")
COURSE = {"fr": "Le safran de Taliouine", "ar": "زعفران تالوين", "zgh": "ⴰⵣⵄⴼⵔⴰⵏ ⵏ ⵜⴰⵍⵉⵡⵉⵏ"}


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_the_pdf_reads_in_her_language(app, history, tmp_path, lang):
    data = personal_data_pdf(personal_data(history.itto, lang), lang)
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    for expected in (NAMES["latin"], NAMES["arabic"], "+212612345670", "itto.ouhammou@example.org",
                     history.certificate.code, "Je veux vendre notre safran sans intermédiaire.",
                     "تعلمت تحديد الثمن مع النساء", "Taliouine", COURSE[lang]):
        assert expected in text, (lang, expected)
    # poppler gives a line of Tifinagh alone on a right-to-left page in visual order: reversed.
    assert NAMES["tifinagh"] in text or (lang == "ar" and NAMES["tifinagh"][::-1] in text)
    with force_locale(lang):
        headings = [_(section) for section in SECTIONS]
    for french, heading in zip(SECTIONS, headings):
        assert heading in text, (lang, heading)
        assert lang == "fr" or heading != french, heading  # translated, not left in French
    fonts = set(pdf_fonts(data, tmp_path))
    assert fonts <= VENDORED_FONTS, fonts  # no silent fallback to a system font
    assert {"Ecole-Naskh", "Ecole-Tifinagh"} <= {font.removesuffix("-Bold") for font in fonts}


def test_she_downloads_it_from_her_page(app, history, tmp_path):
    response = post(signed_in(app, history.itto), "/account/data/download?lang=fr", {"format": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="ecole-donnees-{history.itto.id}.pdf"' in response.headers["Content-Disposition"]
    assert NAMES["latin"] in pdf_text(response.get_data(), tmp_path)
