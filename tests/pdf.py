"""Reading PDFs back with poppler (pdftotext, pdffonts), as a person copying text or a screen reader would."""
import re
import shutil
import subprocess

import pytest

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                   reason="apt-get install poppler-utils")
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdf_text(data: bytes, tmp_path) -> str:
    """The text of a PDF in reading order, without the invisible direction marks pdftotext adds."""
    path = tmp_path / "read.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    return BIDI_MARKS.sub("", out.decode("utf-8"))


def pdf_fonts(data: bytes, tmp_path) -> list[str]:
    """The embedded fonts' names, without their subset prefix."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    return [line.split()[0].split("+", 1)[-1] for line in out.splitlines()[2:] if line.strip()]


VENDORED_FONTS = {"Ecole-Sans", "Ecole-Sans-Bold", "Ecole-Naskh", "Ecole-Naskh-Bold", "Ecole-Tifinagh",
                  "Ecole-Tifinagh-Bold"}
