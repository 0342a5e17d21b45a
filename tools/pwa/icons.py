"""Draws the web app's PNG icons (static/img/icons/icon-192.png, icon-512.png) after static/img/logo.svg.

Pillow draws the logo's few shapes by hand (no SVG renderer is needed): run
`.venv/bin/python tools/pwa/icons.py` after changing the logo."""
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[2]
BROWN, WHITE, GOLD = "#8a3b12", "#ffffff", "#f3c969"


def draw(size: int) -> Image.Image:
    scale = 4  # drawn 4× larger, then reduced: smooth edges without an antialiasing renderer
    s = size * scale / 32  # logo.svg's viewBox is 32 × 32
    image = Image.new("RGBA", (size * scale, size * scale), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, 32 * s - 1, 32 * s - 1), radius=6 * s, fill=BROWN)
    # the house: ground line, walls and roof (M6 24h20 M9 24V14l7-6 7 6v10)
    pen.line([(6 * s, 24 * s), (26 * s, 24 * s)], fill=WHITE, width=round(2.2 * s))
    pen.line([(9 * s, 24 * s), (9 * s, 14 * s), (16 * s, 8 * s), (23 * s, 14 * s), (23 * s, 24 * s)],
             fill=WHITE, width=round(2.2 * s), joint="curve")
    # the door (M13.5 24v-5h5v5)
    pen.line([(13.5 * s, 24 * s), (13.5 * s, 19 * s), (18.5 * s, 19 * s), (18.5 * s, 24 * s)],
             fill=GOLD, width=round(2 * s), joint="curve")
    return image.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    for size in (192, 512):
        target = ROOT / "static" / "img" / "icons" / f"icon-{size}.png"
        draw(size).save(target, optimize=True)
        print(target.relative_to(ROOT), target.stat().st_size, "bytes")
