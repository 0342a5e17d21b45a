"""The web fonts (static/css/fonts.css, built by tools/fonts/build.sh) draw every letter the three
languages' pages hold, and each face's unicode-range says exactly what its file draws: a browser
downloads a file only for characters in its range, and a character the file lacks would be drawn in
another font."""
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from tests.helpers import same_on_every_database

ROOT = Path(__file__).resolve().parents[2]
FONTS_CSS = ROOT / "static" / "css" / "fonts.css"
WEB_FONTS = ROOT / "static" / "fonts" / "web"
FACE = re.compile(r"@font-face\s*{(.*?)}", re.S)
# Built for Ecole (tools/fonts/build.sh); the latin-ext files are fontsource's, with its own ranges.
OURS = re.compile(r"-v\d+\.woff2$")

pytestmark = same_on_every_database


def _faces() -> list[dict]:
    faces = []
    for body in FACE.findall(FONTS_CSS.read_text()):
        declared = dict(re.findall(r"([a-z-]+)\s*:\s*([^;]+);", body))
        faces.append({"family": declared["font-family"].strip('"'), "weight": declared["font-weight"],
                      "file": re.search(r'url\("\.\./fonts/web/([^"]+)"\)', declared["src"]).group(1),
                      "range": _code_points(declared["unicode-range"])})
    return faces


def _code_points(unicode_range: str) -> set[int]:
    points = set()
    for part in unicode_range.split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


def _drawn(file: str) -> set[int]:
    return {point for point in TTFont(WEB_FONTS / file).getBestCmap() if point >= 0x20}


def test_every_font_file_is_declared_and_every_declared_file_exists():
    declared = {face["file"] for face in _faces()}
    assert declared == {path.name for path in WEB_FONTS.glob("*.woff2")}


@pytest.mark.parametrize("face", [face for face in _faces() if OURS.search(face["file"])], ids=lambda face: face["file"])
def test_a_faces_range_is_what_its_file_draws(face):
    drawn = _drawn(face["file"])
    assert face["range"] == drawn, (f"{face['file']}: in the range but not drawn {sorted(map(hex, face['range'] - drawn))}, "
                                    f"drawn but not in the range {sorted(map(hex, drawn - face['range']))}")


def test_the_pages_letters_are_drawn_by_their_languages_font():
    """Every Arabic and Tifinagh character of the translations, templates and course files has its glyph
    (a new one: add it to tools/fonts/build.sh, rebuild under a new name, update fonts.css)."""
    ranges = {face["family"]: face["range"] for face in _faces() if face["weight"] == "400"}
    scripts = {"Noto Sans Arabic": range(0x0600, 0x0700), "Noto Sans Tifinagh": range(0x2D30, 0x2D80)}
    texts = [*ROOT.glob("translations/*/LC_MESSAGES/messages.po"), *ROOT.glob("templates/**/*.html"),
             *(path for path in ROOT.glob("courses/**/*") if path.is_file())]
    for family, block in scripts.items():
        missing = {char for path in texts for char in path.read_text(encoding="utf-8") if ord(char) in block
                   and ord(char) not in ranges[family]}
        assert not missing, f"{family} lacks {sorted(missing)}"
