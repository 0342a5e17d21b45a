"""The printed certificate: real WeasyPrint output read back with poppler (pdftotext, pdffonts, pdfinfo,
pdfdetach, pdftoppm) and pypdfium2, its QR code decoded by zxing-cpp, and what PDF/A-3b asks of the file
checked in its objects (veraPDF is not at hand: these are the checks WeasyPrint's own tests make, and a
few more of the standard's: the XMP identification, the output intent's ICC profile, fonts embedded, the
document information matching the XMP, the attachment's relationship)."""
import json
import re
import subprocess
import zlib
from datetime import date, datetime, timezone
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from flask_babel import force_locale

from ecole.certificates import printing, services
from ecole.certificates.models import Certificate
from ecole.core.storage import get_storage
from ecole.extensions import db
from ecole.i18n import format_date
from tests.helpers import same_on_every_database
from tests.pdf import VENDORED_FONTS, needs_poppler, pdf_text

pytestmark = [needs_poppler, same_on_every_database]

LATIN, ARABIC = "Fatima Aït Ali", "فاطمة آيت علي"
TITLES = {"fr": "Le safran de Taliouine, de la plantation à la vente", "ar": "زعفران تالوين من الغرس إلى البيع",
          "zgh": "ⴰⵣⵄⴼⵔⴰⵏ ⵏ ⵜⴰⵍⵉⵡⵉⵏ"}
MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = 297 * MM, 210 * MM  # A4 landscape, in points
XMP = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
       "dc": "http://purl.org/dc/elements/1.1/", "pdf": "http://ns.adobe.com/pdf/1.3/"}


@pytest.fixture
def issued(held, people):
    """Fatima's certificate (her names in both scripts, 6 hours) and its stored PDF."""
    certificate = services.issue(held[1][0], actor=people.admin)
    db.session.commit()
    return certificate, get_storage().get(certificate.storage_key)


def flat(text: str) -> str:
    return " ".join(text.split())


def written_text(data: bytes) -> str:
    """The text as a PDF viewer copies it (pypdfium2): each column in turn, each line in the order it was
    written (pdftotext lays a left-to-right line of a right-to-left block out right to left)."""
    import pypdfium2

    return "\n".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(data))


def run(tool: list[str], data: bytes, tmp_path, name: str = "certificate.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run([*tool, str(path)], capture_output=True, check=True).stdout.decode("utf-8")


def fonts_table(data: bytes, tmp_path) -> dict[str, dict[str, str]]:
    """pdffonts' table: each font's name (without its subset prefix) → its columns (type, emb, sub, uni…)."""
    lines = run(["pdffonts"], data, tmp_path).splitlines()
    header, rule = lines[0], lines[1]
    columns = [(match.start(), match.end()) for match in re.finditer(r"-+", rule)]
    names = [header[start:end].strip() for start, end in columns]
    fonts = {}
    for line in lines[2:]:
        if line.strip():
            values = {name: line[start:end].strip() for name, (start, end) in zip(names, columns, strict=True)}
            fonts[values["name"].split("+", 1)[-1]] = values
    return fonts


def pdf_info(data: bytes, tmp_path) -> dict[str, str]:
    return {key.strip(): value.strip() for key, _colon, value in
            (line.partition(":") for line in run(["pdfinfo"], data, tmp_path).splitlines())}


def pdf_objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Every object of the file: its number → (its dictionary, or its value; its decoded stream or None),
    the objects packed in compressed object streams (PDF 1.5, as WeasyPrint writes them) included.
    Enough of a reader for WeasyPrint's output (Flate streams, direct lengths), no more."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*(<<(?:(?!endobj).)*?>>)\s*stream\r?\n", data, re.S):
        head, start = match.group(2), match.end()
        if b"/FlateDecode" in head:
            stream = zlib.decompressobj().decompress(data[start:])
        else:
            stream = data[start:start + int(re.search(rb"/Length (\d+)", head).group(1))]
        objects[int(match.group(1))] = (head, stream)
    for head, stream in list(objects.values()):
        if b"/Type /ObjStm" in head:
            first = int(re.search(rb"/First (\d+)", head).group(1))
            numbers = [int(n) for n in stream[:first].split()]
            pairs = list(zip(numbers[0::2], numbers[1::2], strict=True))
            assert len(pairs) == int(re.search(rb"/N (\d+)", head).group(1))
            for index, (number, offset) in enumerate(pairs):
                end = pairs[index + 1][1] if index + 1 < len(pairs) else len(stream) - first
                objects[number] = (stream[first + offset:first + end].strip(), None)
    return objects


def reference(value: bytes, key: bytes) -> int:
    """The object number `key` refers to in a dictionary (`/Key 12 0 R`)."""
    return int(re.search(rb"/" + key + rb" (\d+) 0 R", value).group(1))


def the(objects, marker: bytes) -> tuple[int, bytes]:
    [found] = [(number, head) for number, (head, _stream) in objects.items() if marker in head]
    return found


# --- what it says -------------------------------------------------------------------------------------

def test_the_text_reads_back_in_logical_order(app, issued, tmp_path):
    certificate, data = issued
    text = flat(pdf_text(data, tmp_path))  # as a person copying the text, or a screen reader, gets it
    written = flat(written_text(data))
    for read in (text, written):
        for expected in (LATIN, ARABIC, *TITLES.values(), certificate.code, printing.verify_url(certificate.code),
                         "6 heures de formation suivies", "Brahim Oubella", "Dar Chabab, Tiznit", certificate.issuer):
            assert expected in read, (expected, read[:3000])
        # The Latin name, then the Arabic one, then the columns.
        assert read.index(LATIN) < read.index(ARABIC) < min(read.index(title) for title in TITLES.values())
    # Column by column, each in the order it was written: the kind, to whom, for what, the hours, the dates.
    columns = [written.index(TITLES[lang]) for lang in ("fr", "ar", "zgh")] + [written.index(certificate.code)]
    assert columns == sorted(columns), columns
    kinds = {}
    for lang in ("fr", "ar", "zgh"):
        with force_locale(lang):
            kinds[lang] = str(certificate.kind_title)  # "Attestation de participation", in each language
    order = [written.index(part) for part in (kinds["fr"], TITLES["fr"], kinds["ar"], TITLES["ar"], kinds["zgh"],
                                              TITLES["zgh"])]
    assert order == sorted(order), (order, kinds)
    french = written[:written.index(TITLES["ar"])]
    with force_locale("fr"):
        dates = f"du {format_date(certificate.starts_on, 'long')} au {format_date(certificate.ends_on, 'long')}"
        issued_on = f"Délivré le {format_date(certificate.issued_at, 'long')}"
    lines = ["Attestation de participation", "est délivré(e) à", "pour avoir suivi la formation", TITLES["fr"],
             "6 heures de formation suivies", dates, "Lieu : Dar Chabab, Tiznit", "Formateurs : Brahim Oubella",
             issued_on]
    positions = [french.index(line) for line in lines]
    assert positions == sorted(positions), positions
    # What is printed is what the row keeps (a later change of profile or course changes no certificate).
    assert (certificate.holder_latin, certificate.holder_arabic, certificate.course_titles) == (LATIN, ARABIC, TITLES)
    assert (certificate.minutes_attended, certificate.hours) == (360, 6.0)


def test_each_column_speaks_its_own_language(app, issued):
    """The labels come from the catalogues, each column under its own locale: a French label printed once
    (an untranslated one would come back in the Arabic and Tamazight columns, the Arabic one laid out
    right to left: "heures de formation suivies 6")."""
    _certificate, data = issued
    written = written_text(data)
    for label in ("Attestation de participation", "est délivré(e) à", "pour avoir suivi la formation",
                  "heures de formation suivies", "Vérifier ce document", "Délivré le", "Formateurs :"):
        assert written.count(label) == 1, (label, written.count(label))


def test_only_the_vendored_fonts_all_embedded(issued, tmp_path):
    _certificate, data = issued
    fonts = fonts_table(data, tmp_path)
    assert set(fonts) <= VENDORED_FONTS, fonts  # no silent fallback to a system font
    assert {"Ecole-Sans", "Ecole-Naskh", "Ecole-Tifinagh"} <= {name.removesuffix("-Bold") for name in fonts}
    for name, columns in fonts.items():
        # Embedded (PDF/A), subset, with a ToUnicode map (the text can be copied and searched).
        assert (columns["emb"], columns["sub"], columns["uni"]) == ("yes", "yes", "yes"), (name, columns)


def test_the_qr_code_leads_to_the_verification_page(app, client, issued):
    import pypdfium2
    import zxingcpp

    certificate, data = issued
    page = pypdfium2.PdfDocument(data)[0]
    image = page.render(scale=150 / 72).to_pil().convert("L")  # 150 dpi: a phone's photo of the paper is worse
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in codes] == [printing.verify_url(certificate.code)]
    assert codes[0].text == f"{app.config['BASE_URL'].rstrip('/')}/verify/{certificate.code}"
    # …a page that answers, about this certificate.
    response = client.get(urlsplit(codes[0].text).path)
    assert response.status_code == 200 and certificate.code in response.get_data(as_text=True)
    # Small on the paper, but not too small for a phone: 20 to 40 mm wide.
    small = page.render(scale=1).to_pil().convert("L")  # 72 dpi: one pixel a point
    [position] = [code.position for code in zxingcpp.read_barcodes(small, formats=zxingcpp.BarcodeFormat.QRCode)]
    width_mm = (position.top_right.x - position.top_left.x) / MM
    assert 20 <= width_mm <= 40, width_mm


# --- PDF/A-3b -------------------------------------------------------------------------------------------

def test_the_file_is_archival_pdf_a_3b(app, issued, tmp_path):
    certificate, data = issued
    # PDF 1.7 (PDF/A-3), with a comment of binary bytes right after the header.
    header, comment = data.split(b"\n", 2)[:2]
    assert header == b"%PDF-1.7" and comment.startswith(b"%") and all(byte > 127 for byte in comment[1:5])
    objects = pdf_objects(data)
    catalog_number, catalog = the(objects, b"/Type /Catalog")
    _xref, trailer = the(objects, b"/Type /XRef")
    assert reference(trailer, b"Root") == catalog_number
    assert re.search(rb"/ID \[\s*[(<][^)>]+[)>]\s*[(<][^)>]+[)>]\s*\]", trailer), trailer  # the file identifier
    for forbidden in (b"/Encrypt", b"/JavaScript", b"/JS ", b"/Launch"):
        assert not any(forbidden in head for head, _stream in objects.values()), forbidden

    # The XMP metadata, uncompressed by poppler and by hand, identifies PDF/A-3, conformance B.
    head, stream = objects[reference(catalog, b"Metadata")]
    assert b"/Type /Metadata" in head and b"/Subtype /XML" in head
    xmp = run(["pdfinfo", "-meta"], data, tmp_path)
    assert stream.decode("utf-8").strip() == xmp.strip()
    assert 'begin=""' in xmp or "begin=\"\ufeff\"" in xmp  # the packet header, without a `bytes` attribute
    root = ElementTree.fromstring(xmp[xmp.index("<x:xmpmeta"):xmp.index("</x:xmpmeta>") + len("</x:xmpmeta>")])
    descriptions = root.findall(".//rdf:Description", XMP)

    def property_of(namespace: str, name: str) -> str | None:
        key = f"{{{XMP[namespace]}}}{name}"
        for description in descriptions:
            if key in description.attrib:
                return description.attrib[key]
            element = description.find(f"{namespace}:{name}", XMP)
            if element is not None:
                items = element.findall(".//rdf:li", XMP)
                return items[0].text if items else element.text
        return None

    assert (property_of("pdfaid", "part"), property_of("pdfaid", "conformance")) == ("3", "B")
    # The document information says the same as the XMP (PDF/A asks them to agree), and it is set.
    info = pdf_info(data, tmp_path)
    assert info["Title"] == property_of("dc", "title") == f"Attestation de participation — {LATIN} — {certificate.code}"
    assert info["Author"] == property_of("dc", "creator") == services.ISSUER
    assert info["Subject"] == property_of("dc", "description") == TITLES["fr"]
    assert info["Keywords"] == property_of("pdf", "Keywords") == certificate.code
    assert info["Producer"] == property_of("pdf", "Producer")
    assert (info["Pages"], info["Encrypted"], info["JavaScript"], info["PDF version"]) == ("1", "no", "no", "1.7")
    assert info["Page size"].startswith("841.89 x 595.276 pts (A4)")  # A4 landscape
    # The document's language (the catalog's /Lang): French first, as the page reads.
    assert re.search(rb"/Lang \(fr\)", catalog)

    # An output intent (GTS_PDFA1) carrying an ICC profile of an RGB space, embedded.
    intents = re.search(rb"/OutputIntents \[(.*?)\]/", catalog, re.S).group(1)
    assert b"/Type /OutputIntent" in intents and b"/S /GTS_PDFA1" in intents
    profile_head, profile = objects[reference(intents, b"DestOutputProfile")]
    assert re.search(rb"/N 3\b", profile_head)
    assert profile[36:40] == b"acsp" and profile[16:20] == b"RGB " and int.from_bytes(profile[:4]) == len(profile)

    # Every font embedded (a font program stream behind every font descriptor).
    descriptors = [head for head, _stream in objects.values() if b"/Type /FontDescriptor" in head]
    assert descriptors
    for descriptor in descriptors:
        program = re.search(rb"/FontFile[23]? (\d+) 0 R", descriptor)
        assert program is not None, descriptor[:200]
        assert objects[int(program.group(1))][1], descriptor[:200]


def test_the_signed_credential_is_attached_as_its_data(app, issued, tmp_path):
    certificate, data = issued
    assert run(["pdfdetach", "-list"], data, tmp_path).splitlines() == ["1 embedded files", "1: credential.json"]
    out = tmp_path / "credential.json"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(out), str(tmp_path / "certificate.pdf")], check=True)
    assert json.loads(out.read_text("utf-8")) == certificate.credential
    assert certificate.credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    # PDF/A-3's associated file: a file specification with F, UF and its relationship (Data), listed
    # in the catalog's /AF; the embedded stream says its MIME type and when it was modified.
    objects = pdf_objects(data)
    spec_number, spec = the(objects, b"/Type /Filespec")
    assert b"/F (credential.json)" in spec and b"/UF (credential.json)" in spec
    assert b"/AFRelationship /Data" in spec and b"/Desc " in spec
    _catalog_number, catalog = the(objects, b"/Type /Catalog")
    assert spec_number in {int(n) for n in re.findall(rb"(\d+) 0 R", re.search(rb"/AF \[(.*?)\]", catalog).group(1))}
    embedded_head, embedded = objects[reference(re.search(rb"/EF <<(.*?)>>", spec).group(1), b"F")]
    assert b"/Type /EmbeddedFile" in embedded_head and b"/Subtype /application#2fjson" in embedded_head
    assert re.search(rb"/Params <<.*/ModDate \(D:\d{14}", embedded_head)
    assert json.loads(embedded) == certificate.credential


# --- how it looks -------------------------------------------------------------------------------------

def text_boxes(page) -> list[tuple[int, str, tuple[float, float, float, float]]]:
    """Each printed character of a pypdfium2 page: its index in the page's text, itself, and its box
    (left, bottom, right, top) in points from the page's bottom left."""
    text = page.get_textpage()
    chars = ((index, text.get_text_range(index, 1)) for index in range(text.count_chars()))
    return [(index, char, text.get_charbox(index)) for index, char in chars if char.strip()]


def assert_laid_out(data: bytes) -> None:
    """One page; every character inside the double frame (.cert in pdf.css: 170 mm high from the 12 mm top
    margin, 14 mm side margins, a 3 pt border); the QR code readable, and the columns' text above the
    footer (the QR code, and the rule 3 mm above it), never over it."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        _check_layout(document)
    finally:
        document.close()


def _check_layout(document) -> None:
    import zxingcpp

    assert len(document) == 1
    left, right = 14 * MM + 3, PAGE_WIDTH - 14 * MM - 3
    top, bottom = PAGE_HEIGHT - 12 * MM - 3, PAGE_HEIGHT - (12 + 170) * MM + 3
    page = document[0]
    boxes = text_boxes(page)
    outside = [(char, [round(v) for v in box]) for _index, char, box in boxes
               if box[0] < left or box[2] > right or box[1] < bottom or box[3] > top]
    assert not outside, outside[:20]
    codes = zxingcpp.read_barcodes(page.render(scale=2).to_pil().convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(codes) == 1, "the QR code cannot be read"
    qr_top = PAGE_HEIGHT - min(codes[0].position.top_left.y, codes[0].position.top_right.y) / 2
    footer = page.get_textpage().get_text_range().index("Vérifier ce document")  # what comes before: the columns
    over = "".join(char for index, char, box in boxes if index < footer and box[1] < qr_top + 2 * MM)
    assert not over, f"the columns run into the footer: {over!r}"


def test_the_page_is_one_landscape_a4_and_nothing_leaves_its_place(issued, tmp_path):
    from PIL import Image

    _certificate, data = issued
    (tmp_path / "certificate.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(tmp_path / "certificate.pdf"), str(tmp_path / "page")],
                   check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    with Image.open(png) as image:
        assert image.size[0] > image.size[1] and abs(image.size[0] / image.size[1] - 297 / 210) < 0.01
    assert_laid_out(data)


LONG_TITLES = {
    "fr": "Conduite d’un élevage caprin laitier en zone de montagne : alimentation, santé, traite et fromagerie",
    "ar": "تسيير تربية الماعز الحلوب في المناطق الجبلية: التغذية والصحة والحلب وصناعة الأجبان",
    "zgh": "ⴰⵙⵏⴼⵍⵓⵍ ⵏ ⵓⵙⵏⵓⵍⴼⵓ ⵏ ⵡⵓⵜⵛⵉⵏ ⴳ ⵉⴷⵓⵔⴰⵔ"}


# The columns have the height the fixed frame leaves them (.cert { height: 170mm; display: flex } and
# .cert-columns { flex: 1 } in static/css/pdf.css): what does not fit runs over the footer, and the last
# lines of the French column ("Formateurs : …", "Délivré le …") are printed over the QR code, which can
# no longer be read.
@pytest.mark.parametrize("name", [
    "Fatima-Zahra Aït Ben Haddou El Idrissi",
    pytest.param("Fatima-Zahra Aït Ben Haddou El Idrissi Oubella Amzil Ouhammou", id="a-name-on-two-lines"),
])
def test_long_names_and_titles_stay_in_their_place(app, name):
    """Long, but not absurd: a name of 38 characters (or 60, on two lines), course titles of 100, three
    trainers, a long place: wrapped, and still one page, each thing in its place."""
    certificate = Certificate(
        code="EPDR-2026-ABCD-EFGH-JKLM", kind="achievement", status="valid", holder_latin=name,
        holder_arabic="فاطمة الزهراء آيت بن حدو الإدريسي", course_titles=LONG_TITLES,
        minutes_attended=2 * 60 * 17 + 30, starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 27),
        place="Maison des associations, Aït Ben Haddou", trainers="Brahim Oubella, Khadija Amzil, Lahcen Ouhammou",
        issuer=services.ISSUER, issued_at=datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc), credential={})
    data = printing.certificate_pdf(certificate)
    written = flat(written_text(data))
    assert name in written and certificate.holder_arabic in written and LONG_TITLES["ar"] in written
    assert "34,5" in written  # hours, in the French way
    assert_laid_out(data)
