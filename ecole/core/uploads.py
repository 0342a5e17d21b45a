"""Files people send (photos, scans, PDFs): untrusted data, checked before anything keeps them.

The type is read from the content (never from the name, which must agree), the size and the pixel
count are capped before anything is decoded in full (decompression bombs), names that look like
paths are refused, and metadata blocks (EXIF with GPS, XMP, IPTC, comments, PNG text) are removed
from what is kept. Any decoder error on these bytes is a refusal with a translated message, never
a 500. Used by the attendance scans and by the study trips' documents and photos."""
import io
import re
import struct
import warnings
from typing import BinaryIO

from flask_babel import gettext as _

# Kinds of file, recognised by their first bytes; the name's extension must agree.
KINDS = {
    "jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg"), "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", (".png",), "image/png"),
    "pdf": (b"%PDF-", (".pdf",), "application/pdf"),
}
EXTENSIONS = {ext: kind for kind, (_magic, exts, _type) in KINDS.items() for ext in exts}
MAX_NAME_LENGTH = 200
PAGE_LONG_SIDE = 2400  # pixels: a stored image, and a PDF page rendered (~200 dpi on A4)
PAGE_QUALITY = 85
_NAME_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f/\\]")


class UploadRefused(Exception):
    """The file cannot be taken: the message (translated) says why, on the form."""


def check_name(filename: str) -> str:
    """The kind the name announces; refuses paths and names no phone or scanner gives."""
    if not filename:
        raise UploadRefused(_("Choisissez un fichier (photo JPEG ou PNG, ou PDF)."))
    if _NAME_FORBIDDEN.search(filename) or filename.startswith(".") or ".." in filename:
        raise UploadRefused(_("Le nom du fichier ne doit contenir ni dossier ni chemin (/, \\, ..). "
                            "Renommez le fichier et réessayez."))
    if len(filename) > MAX_NAME_LENGTH:
        raise UploadRefused(_("Le nom du fichier est trop long (%(max)d caractères au plus).", max=MAX_NAME_LENGTH))
    extension = filename[filename.rfind("."):].lower() if "." in filename else ""
    if extension not in EXTENSIONS:
        raise UploadRefused(_("Seules les photos JPEG ou PNG et les fichiers PDF sont acceptés."))
    return EXTENSIONS[extension]


def sniff(data: bytes) -> str | None:
    for kind, (magic, _exts, _type) in KINDS.items():
        if data.startswith(magic):
            return kind
    return None


def checked_kind(filename: str, data: bytes) -> str:
    """The kind of an upload ("jpeg", "png", "pdf") read from its content, which its name must announce."""
    announced = check_name(filename)
    if not data:
        raise UploadRefused(_("Le fichier est vide."))
    kind = sniff(data)
    if kind is None:
        raise UploadRefused(_("Ce fichier n’est ni une photo JPEG ou PNG ni un PDF."))
    if kind != announced:
        raise UploadRefused(_("Le contenu du fichier ne correspond pas à son nom (%(name)s) : renommez-le "
                              "avec la bonne extension.", name=filename))
    return kind


def read_stream(stream: BinaryIO, limit: int) -> bytes:
    if hasattr(stream, "seek"):
        try:
            stream.seek(0)  # the view may run again (transactions.py): read from the start
        except (OSError, ValueError):
            pass
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(_("Le fichier est trop volumineux (%(max)d Mo au plus).", max=limit // (1024 * 1024)))
    return data


def decode_image(data: bytes, max_pixels: int):
    """A photo as an upright RGB image (EXIF orientation applied), refused when too big."""
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRefused(_too_many_pixels()) from None
        width, height = image.size  # from the header, before any pixel is decoded
        if width * height > max_pixels or width < 1 or height < 1:
            raise UploadRefused(_too_many_pixels())
        if image.format == "JPEG":
            image.draft("RGB", (PAGE_LONG_SIDE, PAGE_LONG_SIDE))  # decode a big photo at a smaller scale
        image.load()
        image = ImageOps.exif_transpose(image)  # the way the phone was held, before EXIF is dropped
        return image.convert("RGB")


def _too_many_pixels() -> str:
    return _("L’image est trop grande (trop de pixels). Envoyez une photo de résolution normale.")


def strip_metadata(kind: str, data: bytes) -> bytes:
    """The original without its metadata blocks (EXIF with GPS, XMP, IPTC, comments, PNG text), the
    image data untouched. A PDF is kept as it is (scanners write no position into it)."""
    if kind == "jpeg":
        return _strip_jpeg(data)
    if kind == "png":
        return _strip_png(data)
    return data


_JPEG_DROPPED = {0xE1, 0xED, 0xFE}  # APP1 (EXIF, XMP), APP13 (IPTC), COM


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ValueError("not a JPEG marker")
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: the image data follows, kept as it is
            out += data[position:]
            return bytes(out)
        if marker in (0x01, 0xFF) or 0xD0 <= marker <= 0xD7:
            out += data[position:position + 2]
            position += 2
            continue
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if length < 2:
            raise ValueError("bad JPEG segment")
        if marker not in _JPEG_DROPPED:
            out += data[position:position + 2 + length]
        position += 2 + length
    raise ValueError("JPEG without image data")


_PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    position = 8
    while position + 12 <= len(data):
        length = struct.unpack(">I", data[position:position + 4])[0]
        chunk_type = data[position + 4:position + 8]
        end = position + 12 + length
        if end > len(data):
            raise ValueError("truncated PNG chunk")
        if chunk_type not in _PNG_DROPPED:
            out += data[position:end]
        position = end
        if chunk_type == b"IEND":
            return bytes(out)
    raise ValueError("PNG without IEND")
