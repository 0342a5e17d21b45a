"""The trip's printed documents: real WeasyPrint output read back with poppler (pdftotext, pdffonts, pdfimages)."""
import io
import subprocess
from types import SimpleNamespace

import pytest
from PIL import Image

from ecole.accounts import services as accounts
from ecole.extensions import db
from ecole.trips import printing, services
from tests.factories import make_user
from tests.helpers import same_on_every_database
from tests.pdf import VENDORED_FONTS, needs_poppler, pdf_text

pytestmark = [needs_poppler, same_on_every_database]

TRAINEE_ARABIC = "فاطمة آيت علي"
OTHER_ARABIC = "يوسف أمللال"
ARABIC_ENTRY = "تعلمنا تجفيف الزعفران"
TIFINAGH_ENTRY = "ⵏⵍⵎⴷ ⴰⵙⵙⵓⴼⵖ ⵏ ⵓⵣⴰⴼⵔⴰⵏ"
# Labels whose translations the catalogues already hold: one per script.
HEADINGS = {"fr": ["Commune", "Formateurs"], "ar": ["الجماعة", "الهاتف"], "zgh": ["ⵜⴰⵊⵎⴰⵄⵜ", "ⵜⵉⵍⵉⴼⵓⵏ"]}
TITLES = {"fr": "Le safran de Taliouine", "ar": "زعفران تالوين", "zgh": "ⴰⵣⵄⴼⵔⴰⵏ ⵏ ⵜⴰⵍⵉⵡⵉⵏ"}
CONSENTING_SIZE, REFUSING_SIZE = (64, 48), (40, 72)


def jpeg(size, colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def crew(app, people, trip):
    """Two selected participants riding the minibus (names in both scripts), an emergency contact, a
    funder, an entry in Arabic and one in Tifinagh, a photo of the person who agreed to photos and one
    of the person who did not say yes."""
    trainer = people.trainer
    accounts.update_profile(people.trainee, {"name_arabic": TRAINEE_ARABIC}, actor=people.admin)
    other = make_user("trainee", name="Youssef Amellal", phone="0698765432", email="youssef@example.org")
    accounts.update_profile(other, {"name_arabic": OTHER_ARABIC}, actor=people.admin)
    minibus = trip.vehicles[0]
    enrolments = {}
    for person in (people.trainee, other):
        enrolment = services.apply(trip.course_session, person, "Apprendre à vendre le safran", actor=person)
        services.select_participant(enrolment, actor=people.admin)
        services.assign_vehicle(enrolment, minibus, actor=trainer)
        enrolments[person.id] = enrolment
    services.set_document(enrolments[people.trainee.id], "photo_consent", "received", actor=trainer)
    services.set_document(enrolments[other.id], "photo_consent", "refused", actor=trainer)
    services.add_contact(trip, "Hassan Bouzid", "0655443322", "Accompagnateur", actor=trainer)
    services.add_funding(trip, "Région Souss-Massa", 12000, actor=trainer)
    first = trip.stops[0]
    services.save_entry(first, people.trainee, "ar", ARABIC_ENTRY, "أريد تعاونية في دوارنا", actor=people.trainee)
    services.save_entry(first, other, "zgh", TIFINAGH_ENTRY, "ⴰⴷ ⵙⴽⵔⵖ ⴰⵎⵎ ⵏⵏⵉⵜ", actor=other)
    services.add_photo(first, "yes.jpg", io.BytesIO(jpeg(CONSENTING_SIZE, (200, 120, 20))),
                       caption="Séchage sur les claies", people=[people.trainee], actor=trainer)
    services.add_photo(first, "no.jpg", io.BytesIO(jpeg(REFUSING_SIZE, (20, 120, 200))),
                       caption="Youssef au marché", people=[other], actor=trainer)
    db.session.commit()
    return SimpleNamespace(trip=trip, other=other, enrolments=enrolments)


def pdf_fonts_embedded(data: bytes, tmp_path) -> dict[str, bool]:
    """Each font's name (without its subset prefix) → whether it is embedded (pdffonts' "emb" column)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout.splitlines()
    header, rule = lines[0], lines[1]
    emb = header.index("emb")
    fonts = {}
    for line in lines[2:]:
        if line.strip():
            fonts[line.split()[0].split("+", 1)[-1]] = line[emb:emb + 3].strip() == "yes"
    assert rule.startswith("---")
    return fonts


def pdf_images(data: bytes, tmp_path) -> list[tuple[int, int]]:
    """(width, height) of each image drawn in the PDF (`pdfimages -list`)."""
    path = tmp_path / "images.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    return [(int(row[3]), int(row[4])) for row in rows if row[2] == "image"]


@pytest.mark.parametrize("languages", [["fr"], ["ar"], ["zgh"], ["fr", "ar"]])
def test_road_book_holds_what_the_road_needs(app, people, crew, tmp_path, languages):
    data = printing.road_book_pdf(crew.trip, languages)
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    for expected in ("Coopérative Souktana 1", "Coopérative Souktana 2", "Fatima Ait Lahcen", "0661234567",
                     "Fatima Aït Ali", TRAINEE_ARABIC, "+212612345678", "Youssef Amellal", OTHER_ARABIC,
                     "+212698765432", "Minibus de l’association", "Lahcen", "0670000000", "Gîte de Taliouine",
                     "Déjeuner chez l’hôte", "Hassan Bouzid", "0655443322", "Région Souss-Massa",
                     "Taliouine", "Tazenakht"):
        assert expected in text, (languages, expected, text[:2000])
    for code in ("fr", "ar", "zgh"):
        for heading in HEADINGS[code] + [TITLES[code]]:
            assert (heading in text) == (code in languages), (languages, heading)
    assert any(amount in text for amount in ("12 000", "12\u202f000", "12.000", "12,000"))  # Latin digits
    if "ar" in languages:
        assert "جني وتجفيف الزعفران" in text  # the stop's program in Arabic
    if {"fr", "zgh"} & set(languages):
        assert "Récolte et séchage du safran" in text  # in French, and as the fallback of Tamazight

    fonts = pdf_fonts_embedded(data, tmp_path)
    assert fonts and all(fonts.values()), fonts  # every font embedded
    assert set(fonts) <= VENDORED_FONTS, fonts  # and only the vendored ones (no silent DejaVu fallback)
    assert fonts.keys() & {"Ecole-Naskh", "Ecole-Naskh-Bold"}  # the Arabic names are in every road book
    if "zgh" in languages:
        assert fonts.keys() & {"Ecole-Tifinagh", "Ecole-Tifinagh-Bold"}, fonts


def test_road_book_puts_each_language_on_its_own_pages(app, people, crew):
    import pypdfium2

    def pages(languages):
        document = pypdfium2.PdfDocument(printing.road_book_pdf(crew.trip, languages))
        return [page.get_textpage().get_text_range() for page in document]

    french, arabic, both = pages(["fr"]), pages(["ar"]), pages(["fr", "ar"])
    assert len(both) == len(french) + len(arabic)
    assert not any("الجماعة" in page for page in both[:len(french)])
    assert "المدرسة التطبيقية للتنمية القروية" in both[len(french)]  # the Arabic part starts on a new page


def test_road_book_lists_who_has_no_seat_in_a_vehicle(app, people, crew, tmp_path):
    services.assign_vehicle(crew.enrolments[crew.other.id], None, actor=people.trainer)
    db.session.commit()
    text = pdf_text(printing.road_book_pdf(crew.trip, ["fr"]), tmp_path)
    assert "Sans véhicule attribué" in text and "Passagers (1/3)" in text


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_report_prints_the_entries_and_only_consented_photos(app, people, crew, tmp_path, lang):
    import pypdfium2

    data = printing.report_pdf(crew.trip, lang)
    text = pdf_text(data, tmp_path)
    # pdftotext lays a left-to-right line of an Arabic page out right to left (its page-wide guess):
    # the entries are read as a PDF viewer copies them, in the order they were written.
    written = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(data))
    assert ARABIC_ENTRY in text and TIFINAGH_ENTRY in written, text[:2000]
    assert "Fatima Aït Ali" in text and "Youssef Amellal" in text and TITLES[lang] in text
    assert {"fr": "en arabe", "ar": "بالعربية", "zgh": "ⵙ ⵜⵄⵔⴰⴱⵜ"}[lang] in written  # the language each entry is in
    assert {"fr": "en tamazight", "ar": "بالأمازيغية", "zgh": "ⵙ ⵜⵎⴰⵣⵉⵖⵜ"}[lang] in written
    assert "Séchage sur les claies" in text and "Youssef au marché" not in text
    assert pdf_images(data, tmp_path) == [CONSENTING_SIZE]  # the photo of the person who said no is left out
    fonts = pdf_fonts_embedded(data, tmp_path)
    assert all(fonts.values()) and set(fonts) <= VENDORED_FONTS, fonts
    assert fonts.keys() & {"Ecole-Naskh", "Ecole-Naskh-Bold"} and fonts.keys() & {"Ecole-Tifinagh", "Ecole-Tifinagh-Bold"}


def test_report_shows_a_photo_once_everyone_in_it_agreed(app, people, crew, tmp_path):
    services.set_document(crew.enrolments[crew.other.id], "photo_consent", "received", actor=people.trainer)
    db.session.commit()
    data = printing.report_pdf(crew.trip, "fr")
    assert sorted(pdf_images(data, tmp_path)) == sorted([CONSENTING_SIZE, REFUSING_SIZE])
    assert "Youssef au marché" in pdf_text(data, tmp_path)


def test_staff_print_the_road_book_and_participants_may_not(app, people, crew, as_role, tmp_path):
    url = f"/sessions/{crew.trip.session_id}/trip/road-book.pdf?lang=fr&lang=ar"
    response = as_role("trainer").get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert "Téléphone" in text and "الهاتف" in text and "ⵜⵉⵍⵉⴼⵓⵏ" not in text
    assert as_role("trainee").get(url).status_code == 403


def test_the_report_pdf_is_public_once_published(app, people, crew, client, tmp_path):
    url = f"/trips/{crew.trip.session_id}/report.pdf"
    assert client.get(url).status_code == 404
    services.publish_report(crew.trip, actor=people.trainer)
    db.session.commit()
    response = client.get(url + "?lang=ar")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert ARABIC_ENTRY in text and TITLES["ar"] in text and "Youssef au marché" not in text


def test_a_photo_whose_file_is_lost_leaves_a_gap_not_an_error(app, people, crew, tmp_path):
    from ecole.core.storage import get_storage
    from ecole.trips import queries

    (published,) = [photo for stop in queries.report(crew.trip, published_only=True) for photo in stop.photos]
    get_storage().delete(published.storage_key)
    data = printing.report_pdf(crew.trip, "fr")
    assert pdf_images(data, tmp_path) == [] and TIFINAGH_ENTRY in pdf_text(data, tmp_path)


@pytest.mark.parametrize("text,expected", [("Gîte de Taliouine.", "ltr"), ("(4) دار الضيافة", "rtl"),
                                           ("ⵜⴰⴷⴷⴰⵔⵜ", "ltr"), ("0528 12 34 56", "ltr"), ("", "ltr")])
def test_free_text_is_laid_out_in_the_direction_of_its_first_letter(text, expected):
    assert printing.text_direction(text) == expected
