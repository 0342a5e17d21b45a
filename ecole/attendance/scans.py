"""Signed sign-in sheets come back as photos or scans: checked, split into pages, filed by their
QR codes, stored without their metadata.

A file from a phone is untrusted data: its type is read from its content (never from its name,
which must agree), its size, pixel count and page count are capped before anything is decoded in
full (decompression bombs), and any decoder error is a refusal with a message, never a 500. The
pages are re-encoded (which drops EXIF, GPS included, after the EXIF orientation is applied), and
the original is kept with its metadata blocks removed. Everything is one transaction: a refused
upload leaves no row and no file (files written before a failure are deleted again).

The slow part (decoding, reading the codes) runs without SQLite's write lock, so that other
people's writes go on meanwhile (ecole/core/transactions.py).
"""
import io
import logging
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ecole.attendance.models import ScanPage, SheetScan
from ecole.attendance.sheets import SheetCode, decode_code
from ecole.core import audit
from ecole.core.storage import discard, get_storage
from ecole.core.transactions import take_write_lock, without_write_lock
from ecole.core.uploads import (
    KINDS,
    PAGE_LONG_SIDE,
    PAGE_QUALITY,
    UploadRefused,
    checked_kind,
    decode_image,
    read_stream,
    strip_metadata,
)
from ecole.extensions import db
from ecole.sessions.models import CourseSession, Meeting

log = logging.getLogger(__name__)
ScanRefused = UploadRefused  # the attendance pages' name for it

ACTION_TITLES = {
    "scan.upload": _l("Feuilles d’émargement scannées envoyées"),
    "scan.page_meeting": _l("Page scannée classée sous une séance"),
}

@dataclass
class ReadPage:
    """One page of an upload, decoded: its JPEG bytes (no metadata) and the code read on it."""

    jpeg: bytes
    width: int
    height: int
    code: SheetCode | None


@dataclass
class ReadUpload:
    filename: str
    kind: str
    original: bytes  # the upload, metadata blocks removed
    size: int
    pages: list[ReadPage]

    @property
    def extension(self) -> str:
        return KINDS[self.kind][1][0].lstrip(".")

    @property
    def content_type(self) -> str:
        return KINDS[self.kind][2]


# --- checking and decoding (no database) --------------------------------------------------------

def read_upload(filename: str, data: bytes, *, max_pixels: int, max_pages: int) -> ReadUpload:
    """Check, decode and read the codes of an upload; ScanRefused says what is wrong with it."""
    kind = checked_kind(filename, data)
    try:
        images = _pdf_pages(data, max_pages) if kind == "pdf" else [decode_image(data, max_pixels)]
        original = strip_metadata(kind, data)
    except ScanRefused:
        raise
    except Exception as error:  # noqa: BLE001  any decoder error on untrusted bytes is a refusal
        log.info("unreadable upload %r: %r", filename, error)
        raise ScanRefused(_("Le fichier est endommagé ou illisible. Refaites la photo ou le scan et réessayez.")) from None
    pages = []
    for image in images:
        code = find_code(image)
        image.thumbnail((PAGE_LONG_SIDE, PAGE_LONG_SIDE))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=PAGE_QUALITY, optimize=True)  # no exif=…: no metadata
        pages.append(ReadPage(out.getvalue(), image.width, image.height, code))
    return ReadUpload(filename, kind, original, len(data), pages)


def _pdf_pages(data: bytes, max_pages: int) -> list:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        count = len(pdf)
        if count == 0:
            raise ScanRefused(_("Ce PDF n’a aucune page."))
        if count > max_pages:
            raise ScanRefused(_("Ce PDF a trop de pages (%(max)d au plus). Envoyez-le en plusieurs fois.",
                                max=max_pages))
        images = []
        for index in range(count):
            page = pdf[index]
            try:
                width, height = page.get_size()
                if not (width > 0 and height > 0):
                    raise ScanRefused(_("Le fichier est endommagé ou illisible. Refaites la photo ou le scan et réessayez."))
                # The scale caps the bitmap, whatever size the page claims (a 200-inch page is no bomb).
                scale = min(PAGE_LONG_SIDE / max(width, height), 300 / 72)
                bitmap = page.render(scale=scale, may_draw_forms=False)
                images.append(bitmap.to_pil().convert("RGB"))
            finally:
                page.close()
        return images
    finally:
        pdf.close()


def find_code(image) -> SheetCode | None:
    """The sheet's identity from the page's QR code: the page as it is, then cleaned up (grey,
    contrast, threshold), then smaller and sharper; None when nothing valid is found."""
    import zxingcpp
    from PIL import ImageFilter, ImageOps

    grey = image.convert("L")
    if max(grey.size) > 2000:
        grey.thumbnail((2000, 2000))
    contrasted = ImageOps.autocontrast(grey, cutoff=1)
    attempts = (
        lambda: grey,
        lambda: contrasted.point(lambda v: 255 if v > 128 else 0),
        lambda: contrasted.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=2)),
        lambda: contrasted.resize((contrasted.width // 2, contrasted.height // 2)),
    )
    for make in attempts:
        for binarizer in (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram):
            for barcode in zxingcpp.read_barcodes(make(), formats=zxingcpp.BarcodeFormat.QRCode, binarizer=binarizer):
                code = decode_code(barcode.text)
                if code is not None:
                    return code
    return None


# --- storing and filing -------------------------------------------------------------------------

def _meeting_for(code: SheetCode | None, course_session: CourseSession, meeting_ids: set[int]):
    """(filed_by, sheet_kind, meeting_id, sheet_page) for a page: a code of another session's sheet
    files nothing (the trainer chooses)."""
    if code is not None and code.kind == "M" and code.target_id in meeting_ids:
        return "code", "meeting", code.target_id, code.page
    if code is not None and code.kind == "S" and code.target_id == course_session.id:
        return "code", "session", None, code.page
    return "unread", "meeting", None, None


def upload_scan(course_session: CourseSession, filename: str, stream: BinaryIO, *, actor) -> SheetScan:
    """Take an uploaded scan of signed sheets for `course_session`: all its pages, or nothing."""
    config = current_app.config
    with without_write_lock():  # decoding takes seconds: other people's writes go on meanwhile
        upload = read_upload(filename, read_stream(stream, config["SCAN_MAX_BYTES"]),
                             max_pixels=config["SCAN_MAX_PIXELS"], max_pages=config["SCAN_MAX_PAGES"])
    take_write_lock()
    meeting_ids = set(db.session.scalars(select(Meeting.id).where(Meeting.session_id == course_session.id)))
    storage = get_storage()
    written: list[str] = []
    try:
        scan = SheetScan(session_id=course_session.id, storage_key="", filename=upload.filename,
                         content_type=upload.content_type, size=upload.size, uploaded_by_id=actor.id if actor else None)
        db.session.add(scan)
        db.session.flush()
        folder = f"scans/{course_session.id}/{scan.id}"
        scan.storage_key = f"{folder}/original.{upload.extension}"
        storage.put(scan.storage_key, upload.original, content_type=upload.content_type)
        written.append(scan.storage_key)
        for position, page in enumerate(upload.pages, start=1):
            filed_by, sheet_kind, meeting_id, sheet_page = _meeting_for(page.code, course_session, meeting_ids)
            key = f"{folder}/{position}.jpg"
            storage.put(key, page.jpeg, content_type="image/jpeg")
            written.append(key)
            scan.pages.append(ScanPage(position=position, filed_by=filed_by, sheet_kind=sheet_kind, meeting_id=meeting_id,
                                       sheet_page=sheet_page, storage_key=key, width=page.width, height=page.height))
        audit.record("scan.upload", scan, actor=actor, session=course_session.id, pages=len(upload.pages),
                     unread=sum(1 for p in scan.pages if p.filed_by == "unread"))
        db.session.flush()
    except BaseException:
        discard(written)
        raise
    return scan


def file_page(page: ScanPage, meeting: Meeting, *, actor) -> ScanPage:
    """The trainer says which meeting a page belongs to (its code could not be read)."""
    if meeting.session_id != page.scan.session_id:
        raise ScanRefused(_("Cette séance n’appartient pas à la session de la feuille."))
    take_write_lock()
    page.meeting_id = meeting.id
    page.sheet_kind = "meeting"
    page.filed_by = "chosen"
    audit.record("scan.page_meeting", page, actor=actor, meeting=meeting.id, scan=page.scan_id)
    db.session.flush()
    return page


def file_keys(scan: SheetScan) -> list[str]:
    return [scan.storage_key, *(page.storage_key for page in scan.pages)]


def upload_summary(count: int, unread: int) -> str:
    message = ngettext("%(num)d page reçue.", "%(num)d pages reçues.", count)
    if unread:
        message += " " + ngettext("%(num)d page n’a pas pu être lue : choisissez sa séance.",
                                  "%(num)d pages n’ont pas pu être lues : choisissez leur séance.", unread)
    return message


# --- reads -----------------------------------------------------------------------------------------

def scans_of(course_session: CourseSession) -> list[SheetScan]:
    """A session's uploads, newest first, with their pages and the meetings they are filed under."""
    return list(db.session.scalars(
        select(SheetScan).where(SheetScan.session_id == course_session.id)
        .options(selectinload(SheetScan.pages).selectinload(ScanPage.meeting))
        .order_by(SheetScan.uploaded_at.desc(), SheetScan.id.desc())))


def meeting_choices(course_session: CourseSession) -> list[tuple[int, str]]:
    from ecole.i18n import format_date, format_time

    return [(m.id, f"{format_date(m.starts_at, 'full')}, {format_time(m.starts_at)}–{format_time(m.ends_at)}"
             + (f" · {m.topic}" if m.topic else ""))
            for m in course_session.meetings if not m.is_cancelled]


def pages_for_meeting(meeting: Meeting) -> list[ScanPage]:
    """The scanned pages that show a meeting's signatures: those filed under it, and the pages of
    its session's sheet (a column per meeting), in the order they were printed."""
    return list(db.session.scalars(
        select(ScanPage).join(SheetScan, SheetScan.id == ScanPage.scan_id)
        .where(or_(ScanPage.meeting_id == meeting.id,
                   and_(ScanPage.sheet_kind == "session", ScanPage.filed_by == "code",
                        SheetScan.session_id == meeting.session_id)))
        .order_by(ScanPage.sheet_kind.desc(), ScanPage.sheet_page, SheetScan.uploaded_at, ScanPage.position)))


def page_file(page: ScanPage) -> tuple[bytes, str, str]:
    return get_storage().get(page.storage_key), "image/jpeg", f"scan-{page.scan_id}-page-{page.position}.jpg"


def original_file(scan: SheetScan) -> tuple[bytes, str, str]:
    extension = scan.storage_key.rsplit(".", 1)[-1]
    return get_storage().get(scan.storage_key), scan.content_type, f"scan-{scan.id}.{extension}"
