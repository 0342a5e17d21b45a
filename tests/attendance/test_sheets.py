"""Sign-in sheets: real WeasyPrint output read back with poppler, and every page's QR code decoded by zxing-cpp."""
import pytest

from ecole.attendance import sheets
from ecole.extensions import db
from ecole.sessions import services as session_services
from tests.attendance.helpers import make_meeting_with_trainees, pdf_page_images, qr_texts, trainee_names
from tests.helpers import signed_in
from tests.pdf import VENDORED_FONTS, needs_poppler, pdf_fonts, pdf_text

pytestmark = needs_poppler

HEADINGS = {
    "fr": ["Feuille d’émargement", "Signature ou empreinte", "Personnes venues sans inscription"],
    "ar": ["ورقة التوقيعات", "التوقيع أو البصمة", "أشخاص حضروا دون تسجيل"],
    "zgh": ["ⵜⴰⵙⵏⴰ ⵏ ⵓⵙⴳⵎⴹ", "ⴰⵙⴳⵎⴹ ⵏⵖ ⴰⵙⵎⴰⵍ ⵏ ⵓⴹⵓⴹ", "ⵎⴷⴷⵏ ⴷ ⵢⵓⵙⴰⵏ ⴱⵍⴰ ⴰⵣⵎⵎⴻⵎ"],
}


def sheet_pdf(client, meeting, lang="fr"):
    response = client.get(f"/meetings/{meeting.id}/sign-in-sheet.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return response.data


def page_count(data: bytes) -> int:
    import pypdfium2

    return len(pypdfium2.PdfDocument(data))


@pytest.mark.parametrize("lang", ["fr", "ar", "zgh"])
def test_meeting_sheet_text_comes_back_in_logical_order(app, people, big_meeting, tmp_path, lang):
    text = pdf_text(sheet_pdf(signed_in(app, people.trainer), big_meeting, lang), tmp_path)
    # The three languages' headings on the same sheet, whatever the reader's language.
    for words in HEADINGS.values():
        for heading in words:
            assert heading in text, (lang, heading, text[:1500])
    for latin, arabic in trainee_names(25):
        assert latin in text and arabic in text, (latin, arabic)
    assert "…0000" in text and "…0024" in text  # the last four digits of the phones, no more
    assert "0670000000" not in text
    assert "Taliouine" in text and "Maison du safran" in text


def test_trainees_are_listed_by_name(app, people, big_meeting, tmp_path):
    text = pdf_text(sheet_pdf(signed_in(app, people.trainer), big_meeting), tmp_path)
    found = [name for name, _ar in trainee_names(25)]
    positions = [text.index(name) for name in sorted(found, key=str.casefold)]
    assert positions == sorted(positions)


def test_meeting_sheet_uses_only_the_vendored_fonts(app, people, big_meeting, tmp_path):
    fonts = set(pdf_fonts(sheet_pdf(signed_in(app, people.trainer), big_meeting), tmp_path))
    assert fonts <= VENDORED_FONTS, fonts
    assert {"Ecole-Sans", "Ecole-Naskh"} <= fonts and fonts & {"Ecole-Tifinagh", "Ecole-Tifinagh-Bold"}


def test_every_page_carries_its_own_code_and_number(app, people, big_meeting, tmp_path):
    data = sheet_pdf(signed_in(app, people.trainer), big_meeting)
    images = pdf_page_images(data, tmp_path)
    assert len(images) == 2 == page_count(data)  # 25 trainees and the walk-in lines: two pages
    for number, image in enumerate(images, start=1):
        codes = [sheets.decode_code(text) for text in qr_texts(image)]
        assert codes == [sheets.SheetCode("M", big_meeting.id, number)], codes
    text = pdf_text(data, tmp_path)
    assert "Page 1 sur 2" in text and "Page 2 sur 2" in text and "ⵜⴰⵙⵏⴰ 1 ⵙⴳ 2" in text


def test_a_small_meeting_fits_one_page_with_blank_lines(app, people, catalogue, tmp_path):
    meeting = make_meeting_with_trainees(people.trainer, 3, commune="Askaoun")
    data = sheet_pdf(signed_in(app, people.trainer), meeting)
    assert page_count(data) == 1
    text = pdf_text(data, tmp_path)
    assert "20" in text.split()  # numbered lines up to the page's last one, for walk-ins


def test_a_forged_or_foreign_code_is_not_read(app):
    code = sheets.SheetCode("M", 12, 1)
    text = sheets.encode_code(code)
    assert sheets.decode_code(text) == code
    assert sheets.decode_code(text.replace(":M:12:", ":M:13:")) is None  # the HMAC no longer matches
    assert sheets.decode_code(text[:-1] + ("A" if text[-1] != "A" else "B")) is None
    assert sheets.decode_code("EPDR:M:12:P:1") is None and sheets.decode_code("https://example.org") is None
    app.config["SECRET_KEY"], old = "another school", app.config["SECRET_KEY"]
    try:
        assert sheets.decode_code(text) is None  # signed with another key
    finally:
        app.config["SECRET_KEY"] = old


def add_meetings(course_session, count: int):
    from datetime import date, time, timedelta

    for i in range(count):
        day = date.today() + timedelta(days=31 + i)
        session_services.add_meeting(course_session, session_services.to_utc(day, time(9, 0)),
                                     session_services.to_utc(day, time(12, 0)), actor=course_session.trainers[0], force=True)
    db.session.commit()


def test_session_sheet_has_a_column_per_meeting(app, people, big_meeting, tmp_path):
    from ecole.core.models import utcnow
    from ecole.core.timezone import school_zone

    course_session = big_meeting.course_session
    add_meetings(course_session, 3)
    called_off = course_session.meetings[-1]
    called_off.cancelled_at = utcnow()
    db.session.commit()
    response = signed_in(app, people.trainer).get(f"/sessions/{course_session.id}/sign-in-sheet.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)
    shown = [m for m in course_session.meetings if not m.is_cancelled]
    assert len(shown) == 3
    for meeting in course_session.meetings:
        day = meeting.starts_at.astimezone(school_zone()).strftime("%d/%m/%Y")
        assert (day in text) == (meeting in shown), (day, text[:600])
    images = pdf_page_images(response.data, tmp_path)
    assert len(images) == 3  # 25 trainees and 4 walk-in lines, 14 lines a page
    for number, image in enumerate(images, start=1):
        assert [sheets.decode_code(t) for t in qr_texts(image)] == [sheets.SheetCode("S", course_session.id, number)]
    assert "Feuille d’émargement de la session" in text and "ورقة التوقيعات" in text


def test_the_command_line_writes_the_same_sheet(app, people, big_meeting, runner, tmp_path):
    out = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["ecole", "sign-in-sheet", "--meeting", str(big_meeting.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Fatima Ait Ali 00" in text and "ورقة التوقيعات" in text and "ⵜⴰⵙⵏⴰ ⵏ ⵓⵙⴳⵎⴹ" in text
    images = pdf_page_images(out.read_bytes(), tmp_path / "..")
    assert len(images) == 2
    session_out = tmp_path / "session.pdf"
    result = runner.invoke(args=["ecole", "sign-in-sheet", "--session", str(big_meeting.session_id), "-o", str(session_out)])
    assert result.exit_code == 0 and session_out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("args,message", [
    (["--meeting", "999999"], "Séance 999999 introuvable."),
    (["--session", "999999"], "Session 999999 introuvable."),
    ([], "Indiquez soit --meeting, soit --session."),
])
def test_the_command_line_says_what_is_wrong(app, people, runner, tmp_path, args, message):
    result = runner.invoke(args=["ecole", "sign-in-sheet", *args, "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("role,status", [("trainer", 200), ("admin", 200), ("other_trainer", 403), ("trainee", 403),
                                         ("anonymous", 302)])
def test_who_may_print_a_sheet(app, people, big_meeting, other_trainer, role, status):
    user = {"other_trainer": other_trainer}.get(role) or (people[role] if role != "anonymous" else None)
    client = signed_in(app, user) if user else app.test_client()
    for url in (f"/meetings/{big_meeting.id}/sign-in-sheet.pdf", f"/sessions/{big_meeting.session_id}/sign-in-sheet.pdf"):
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        if status == 302:
            assert "/login?next=" in response.headers["Location"]


def test_a_meeting_of_a_session_one_cannot_see_is_not_found(app, people, catalogue, other_trainer):
    from tests.factories import make_session

    draft = make_session(people.trainer, publish=False, commune="Tata")
    client = signed_in(app, other_trainer)
    assert client.get(f"/meetings/{draft.meetings[0].id}/sign-in-sheet.pdf").status_code == 404
    assert client.get(f"/sessions/{draft.id}/sign-in-sheet.pdf").status_code == 404
    assert client.get("/meetings/999999/sign-in-sheet.pdf").status_code == 404
