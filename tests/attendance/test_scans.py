"""Scans of signed sheets come back: the round trip through paper (printed, photographed askew, shuffled),
every refusal with its message and nothing stored, metadata stripped, downloads for staff only."""
import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from ecole.attendance import scans
from ecole.attendance.models import ScanPage, SheetScan
from ecole.core import uploads
from ecole.core.audit import AuditEntry
from ecole.extensions import db
from tests.attendance.helpers import pdf_page_images
from tests.helpers import csrf_token, signed_in, submit
from tests.pdf import needs_poppler


def upload(client, course_session, name: str, data: bytes):
    url = f"/sessions/{course_session.id}/scans"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()]


def nothing_stored(app) -> bool:
    return (not stored_files(app) and db.session.scalar(db.select(db.func.count(SheetScan.id))) == 0
            and db.session.scalar(db.select(db.func.count(ScanPage.id))) == 0)


@pytest.fixture(autouse=True)
def empty_storage(app):
    for path in stored_files(app):
        path.unlink()
    yield


def png(width=300, height=400, colour="white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def askew(image: Image.Image) -> Image.Image:
    """A phone photo of a page: turned by 3.5°, a little smaller, a little blurred."""
    turned = image.rotate(3.5, expand=True, fillcolor="white", resample=Image.BICUBIC)
    smaller = turned.resize((int(turned.width * 0.9), int(turned.height * 0.9)), Image.LANCZOS)
    return smaller.filter(ImageFilter.GaussianBlur(1.2))


@needs_poppler
def test_the_round_trip_files_every_page_under_its_meeting(app, people, big_meeting, tmp_path):
    trainer = signed_in(app, people.trainer)
    sheet = trainer.get(f"/meetings/{big_meeting.id}/sign-in-sheet.pdf").data
    first, second = pdf_page_images(sheet, tmp_path)
    photographed = askew(second)
    out = io.BytesIO()
    photographed.save(out, "PDF", save_all=True, append_images=[first], resolution=150)  # the wrong order
    response = upload(trainer, big_meeting.course_session, "feuilles.pdf", out.getvalue())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    scan = db.session.scalar(db.select(SheetScan))
    pages = sorted(scan.pages, key=lambda p: p.position)
    assert [(p.position, p.filed_by, p.meeting_id, p.sheet_page, p.sheet_kind) for p in pages] == [
        (1, "code", big_meeting.id, 2, "meeting"), (2, "code", big_meeting.id, 1, "meeting")]
    assert [p.id for p in scans.pages_for_meeting(big_meeting)] == [pages[1].id, pages[0].id]  # in printed order
    assert len(stored_files(app)) == 3  # the original and both pages
    page = trainer.get(f"/scan-pages/{pages[0].id}")
    assert page.status_code == 200 and page.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(page.data)).size == (pages[0].width, pages[0].height)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "scan.upload")) is not None
    listing = trainer.get(f"/sessions/{big_meeting.session_id}/scans").get_data(as_text=True)
    assert "classée par son code" in listing


def test_a_page_without_a_code_waits_for_the_trainer_to_choose(app, people, big_meeting):
    trainer = signed_in(app, people.trainer)
    course_session = big_meeting.course_session
    response = upload(trainer, course_session, "photo.png", png())
    assert response.status_code == 302
    page = db.session.scalar(db.select(ScanPage))
    assert page.filed_by == "unread" and page.meeting_id is None
    listing = trainer.get(f"/sessions/{course_session.id}/scans").get_data(as_text=True)
    assert "Le code de cette page n’a pas pu être lu : choisissez sa séance." in listing
    assert f'name="page-{page.id}-meeting"' in listing
    response = submit(trainer, f"/scan-pages/{page.id}/meeting", {f"page-{page.id}-meeting": str(big_meeting.id)},
                      form_url=f"/sessions/{course_session.id}/scans")  # the page's own form, as a browser sends it
    assert response.status_code == 302
    db.session.refresh(page)
    assert (page.filed_by, page.meeting_id) == ("chosen", big_meeting.id)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "scan.page_meeting")) is not None
    assert [p.id for p in scans.pages_for_meeting(big_meeting)] == [page.id]


def test_a_meeting_of_another_session_cannot_be_chosen(app, people, big_meeting, catalogue):
    from tests.factories import make_session

    trainer = signed_in(app, people.trainer)
    upload(trainer, big_meeting.course_session, "photo.png", png())
    page = db.session.scalar(db.select(ScanPage))
    other = make_session(people.trainer, commune="Tata")
    response = trainer.post(f"/scan-pages/{page.id}/meeting", data={
        "csrf_token": csrf_token(trainer, f"/sessions/{big_meeting.session_id}/scans"),
        f"page-{page.id}-meeting": str(other.meetings[0].id)})
    assert response.status_code == 422 and "Choix invalide." in response.get_data(as_text=True)
    db.session.refresh(page)
    assert page.filed_by == "unread"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (320, 240), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turned 90°
    exif[0x8825] = {1: "N", 2: (30.0, 28.0, 12.0), 3: "W", 4: (9.0, 10.0, 5.0)}  # GPS position
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    return data


def test_exif_and_gps_are_gone_from_what_is_stored(app, people, big_meeting):
    trainer = signed_in(app, people.trainer)
    assert upload(trainer, big_meeting.course_session, "IMG_0001.JPG", jpeg_with_gps()).status_code == 302
    page = db.session.scalar(db.select(ScanPage))
    stored = Image.open(io.BytesIO(trainer.get(f"/scan-pages/{page.id}").data))
    assert not stored.getexif() and "exif" not in stored.info
    assert stored.size == (240, 320)  # the orientation was applied before EXIF was dropped
    original = trainer.get(f"/scans/{page.scan_id}/original")
    assert original.status_code == 200 and b"Exif" not in original.data[:4096]
    assert not Image.open(io.BytesIO(original.data)).getexif().get_ifd(0x8825)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge image (a decompression bomb's shape)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def empty_pdf() -> bytes:
    import pypdfium2

    out = io.BytesIO()
    pypdfium2.PdfDocument.new().save(out)
    return out.getvalue()


def small_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(out, "JPEG")
    return out.getvalue()


def small_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (100, 100), "white").save(out, "PDF")
    return out.getvalue()


REFUSALS = [
    ("notes.txt", b"hello", "Seules les photos JPEG ou PNG et les fichiers PDF sont acceptés."),
    ("notes.pdf", b"just some text, renamed", "Ce fichier n’est ni une photo JPEG ou PNG ni un PDF."),
    ("photo.jpg", small_pdf(), "Le contenu du fichier ne correspond pas à son nom (photo.jpg)"),
    ("scan.pdf", png(), "Le contenu du fichier ne correspond pas à son nom (scan.pdf)"),
    ("../x.jpg", small_jpeg(), "Le nom du fichier ne doit contenir ni dossier ni chemin"),
    ("a/b.png", png(), "Le nom du fichier ne doit contenir ni dossier ni chemin"),
    ("bomb.png", png_declaring(30000, 30000), "L’image est trop grande (trop de pixels)."),
    ("wide.png", png_declaring(12000, 6000), "L’image est trop grande (trop de pixels)."),
    ("empty.jpg", b"", "Le fichier est vide."),
    ("cut.jpg", small_jpeg()[:300], "Le fichier est endommagé ou illisible."),
    ("cut.png", png()[:60], "Le fichier est endommagé ou illisible."),
    ("cut.pdf", small_pdf()[:200], "Le fichier est endommagé ou illisible."),
    # PDFium will not open a document without pages: it reads as a damaged file.
    ("zero.pdf", empty_pdf(), "Le fichier est endommagé ou illisible."),
    ("magic.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "Le fichier est endommagé ou illisible."),
    ("magic.jpg", b"\xff\xd8\xff" + os.urandom(500), "Le fichier est endommagé ou illisible."),
]


@pytest.mark.parametrize("name,data,message", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_uploads_say_why_and_store_nothing(app, people, big_meeting, name, data, message):
    response = upload(signed_in(app, people.trainer), big_meeting.course_session, name, data)
    assert response.status_code == 422, response.status_code
    assert message in response.get_data(as_text=True)
    assert nothing_stored(app)


def test_too_many_pdf_pages_are_refused(app, people, big_meeting):
    out = io.BytesIO()
    pages = [Image.new("RGB", (50, 50), "white") for _ in range(app.config["SCAN_MAX_PAGES"] + 1)]
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    response = upload(signed_in(app, people.trainer), big_meeting.course_session, "long.pdf", out.getvalue())
    assert response.status_code == 422
    assert "Ce PDF a trop de pages (20 au plus)." in response.get_data(as_text=True)
    assert nothing_stored(app)


def test_an_oversized_file_is_refused(app, people, big_meeting):
    old = app.config["SCAN_MAX_BYTES"]
    app.config["SCAN_MAX_BYTES"] = 1024 * 1024
    try:
        response = upload(signed_in(app, people.trainer), big_meeting.course_session, "big.png", png() + os.urandom(1024 * 1024))
    finally:
        app.config["SCAN_MAX_BYTES"] = old
    assert response.status_code == 422
    assert "Le fichier est trop volumineux (1 Mo au plus)." in response.get_data(as_text=True)
    assert nothing_stored(app)


def test_a_request_over_the_limit_gets_a_clear_413(app, people, big_meeting):
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    try:
        response = upload(signed_in(app, people.trainer), big_meeting.course_session, "big.png", os.urandom(128 * 1024))
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert response.status_code == 413
    assert "Le fichier envoyé dépasse la taille autorisée." in response.get_data(as_text=True)
    assert nothing_stored(app)


def test_a_failure_while_storing_leaves_no_file_behind(app, people, big_meeting, monkeypatch):
    from ecole.core import storage

    real_put = storage.FolderStorage.put
    calls = []

    def failing_put(self, key, data, **kwargs):
        calls.append(key)
        if len(calls) == 2:
            raise storage.StorageError("disk full")
        return real_put(self, key, data, **kwargs)

    monkeypatch.setattr(storage.FolderStorage, "put", failing_put)
    with pytest.raises(storage.StorageError):
        scans.upload_scan(big_meeting.course_session, "photo.png", io.BytesIO(png()), actor=people.trainer)
    db.session.rollback()
    assert nothing_stored(app)


@pytest.mark.parametrize("name", ["", ".hidden.png", "a\\b.png", "C:\\Users\\photo.jpg", "../x.jpg", "nul\x00.png", "a" * 300 + ".png", "x..png"])
def test_names_no_phone_gives_are_refused(app, name):
    with pytest.raises(scans.ScanRefused):
        uploads.check_name(name)


def test_a_code_of_another_session_files_nothing(app, people, big_meeting, catalogue, tmp_path):
    from ecole.attendance.sheets import SheetCode
    from tests.factories import make_session

    other = make_session(people.trainer, commune="Tata")
    ids = {m.id for m in big_meeting.course_session.meetings}
    assert scans._meeting_for(SheetCode("M", other.meetings[0].id, 1), big_meeting.course_session, ids)[0] == "unread"
    assert scans._meeting_for(SheetCode("S", other.id, 1), big_meeting.course_session, ids)[0] == "unread"
    assert scans._meeting_for(SheetCode("S", big_meeting.session_id, 2), big_meeting.course_session, ids) == (
        "code", "session", None, 2)


@pytest.mark.parametrize("role,status", [("trainer", 200), ("admin", 200), ("other_trainer", 403), ("trainee", 403),
                                         ("anonymous", 302)])
def test_who_may_download_scans(app, people, big_meeting, other_trainer, role, status):
    upload(signed_in(app, people.trainer), big_meeting.course_session, "photo.png", png())
    page = db.session.scalar(db.select(ScanPage))
    user = {"other_trainer": other_trainer}.get(role) or (people[role] if role != "anonymous" else None)
    client = signed_in(app, user) if user else app.test_client()
    for url in (f"/scan-pages/{page.id}", f"/scans/{page.scan_id}/original", f"/sessions/{big_meeting.session_id}/scans"):
        response = client.get(url)
        assert response.status_code == status, (url, response.status_code)
        if status == 200 and "/scans" not in url[-6:]:
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Cache-Control"] == "private, no-store"
        if status == 302:
            assert "/login?next=" in response.headers["Location"]


def test_scans_of_a_session_one_cannot_see_are_not_found(app, people, catalogue, other_trainer):
    from tests.factories import make_session

    draft = make_session(people.trainer, publish=False, commune="Tata")
    scan = scans.upload_scan(draft, "photo.png", io.BytesIO(png()), actor=people.trainer)
    db.session.commit()
    client = signed_in(app, other_trainer)
    assert client.get(f"/scan-pages/{scan.pages[0].id}").status_code == 404
    assert client.get(f"/scans/{scan.id}/original").status_code == 404
    assert client.get("/scan-pages/999999").status_code == 404


def test_the_partial_shows_a_meetings_pages(app, people, big_meeting):
    from flask import render_template

    upload(signed_in(app, people.trainer), big_meeting.course_session, "photo.png", png())
    page = db.session.scalar(db.select(ScanPage))
    scans.file_page(page, big_meeting, actor=people.trainer)
    db.session.commit()
    with app.test_request_context("/"):
        html = render_template("attendance/_scan_pages.html", scan_pages=scans.pages_for_meeting(big_meeting))
    assert f'src="/scan-pages/{page.id}"' in html and 'alt="Feuille d’émargement signée, page 1"' in html
