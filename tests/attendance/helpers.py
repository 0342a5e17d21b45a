"""What the attendance tests build and read: sessions full of trainees, PDF pages as images, QR codes."""
import subprocess

from ecole.enrolment import services as enrolment_services
from ecole.extensions import db
from tests.factories import make_session, make_user

# Names in both scripts, some with letters a font must shape (Arabic joining, Latin accents).
FIRST_NAMES = [("Fatima", "فاطمة"), ("Ahmed", "أحمد"), ("Khadija", "خديجة"), ("Brahim", "إبراهيم"),
               ("Aïcha", "عائشة"), ("Lahcen", "لحسن"), ("Zahra", "زهرة"), ("Mohamed", "محمد")]
FAMILY_NAMES = [("Ait Ali", "آيت علي"), ("Oubella", "أوبلا"), ("Amzil", "أمزيل"), ("Idrissi", "الإدريسي")]


def trainee_names(count: int) -> list[tuple[str, str]]:
    names = []
    for i in range(count):
        first, first_ar = FIRST_NAMES[i % len(FIRST_NAMES)]
        family, family_ar = FAMILY_NAMES[(i // len(FIRST_NAMES)) % len(FAMILY_NAMES)]
        names.append((f"{first} {family} {i:02d}", f"{first_ar} {family_ar}"))
    return names


def make_meeting_with_trainees(trainer, count: int, **session_options):
    course_session = make_session(trainer, capacity=max(count, 1) + 5, **session_options)
    for i, (latin, arabic) in enumerate(trainee_names(count)):
        person = make_user("trainee", name=latin, name_arabic=arabic, phone=f"06{70000000 + i:08d}", email=None)
        enrolment_services.enrol(course_session, person, actor=trainer, walk_in=True)
    db.session.commit()
    return course_session.meetings[0]


def pdf_page_images(data: bytes, tmp_path, *, dpi: int = 150) -> list:
    """The PDF's pages as Pillow images, rendered by poppler's pdftoppm."""
    from PIL import Image

    source = tmp_path / "sheet.pdf"
    source.write_bytes(data)
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(source), str(prefix)], check=True)
    return [Image.open(path).convert("RGB") for path in sorted(tmp_path.glob("page-*.png"))]


def qr_texts(image) -> list[str]:
    import zxingcpp

    return [barcode.text for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
