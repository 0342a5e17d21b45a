"""Charts drawn on the server as SVG for the pages (no JavaScript; the PDF prints the same bars as an
HTML table, `printable_bars`, since WeasyPrint does not order right-to-left text inside SVG), labels in
the page's language, mirrored in Arabic (labels and bars start from the right), and an
accessible title and description (every value written out, for screen readers).

Each row is a label on its own line with its bar below: on a 360-pixel phone the labels keep a
readable size and are never cut. The drawing sets its own direction (ltr) so that its coordinates
mean the same inside an Arabic page (which would otherwise flip every text anchor). Colours and
sizes come from the stylesheets (`svg.chart` in ecole.css and pdf.css): the pages' CSP allows no
inline style."""
from __future__ import annotations

import itertools

from markupsafe import Markup, escape

WIDTH = 360
ROW = 40
VALUE = 64  # room for the value after the longest bar
_ids = itertools.count(1)


def _number(value: float | int) -> str:
    from ecole.i18n import format_number

    return format_number(value)


def _row(y: int, label: str, length: float, shown: str, rtl: bool, css: str = "bar", mark: float | None = None) -> str:
    if rtl:
        label_x, anchor, bar_x, value_x, value_anchor = WIDTH, "end", WIDTH - length, WIDTH - length - 6, "end"
    else:
        label_x, anchor, bar_x, value_x, value_anchor = 0, "start", 0, length + 6, "start"
    parts = [f'<text x="{label_x}" y="{y + 14}" text-anchor="{anchor}" class="label">{escape(label)}</text>']
    if length:
        parts.append(f'<rect x="{bar_x:.1f}" y="{y + 20}" width="{length:.1f}" height="12" rx="2" class="{css}"/>')
    if mark is not None:
        mark_x = WIDTH - mark if rtl else mark
        parts.append(f'<line x1="{mark_x:.1f}" x2="{mark_x:.1f}" y1="{y + 17}" y2="{y + 35}" class="target"/>')
    parts.append(f'<text x="{value_x:.1f}" y="{y + 31}" text-anchor="{value_anchor}" class="value">{escape(shown)}</text>')
    return "".join(parts)


def bar_chart(title: str, bars: list[tuple[str, float | int | None]], *, rtl: bool, hidden_text: str = "< 5",
              suffix: str = "") -> Markup:
    """Horizontal bars, one per (label, value); a value of None is a hidden cell (written, not drawn)."""
    largest = max([value for _label, value in bars if value] or [1])
    span = WIDTH - VALUE
    rows, described = [], []
    for index, (label, value) in enumerate(bars):
        shown = hidden_text if value is None else _number(value) + suffix
        described.append(f"{label} : {shown}")
        length = 0 if not value else max(2.0, span * value / largest)
        rows.append(_row(index * ROW, label, length, shown, rtl))
    return _svg(title, "; ".join(described), len(bars), rows)


def progress_chart(title: str, items: list[tuple[str, int | None]], *, rtl: bool, hidden_text: str = "< 5") -> Markup:
    """Progress against targets: one bar per (label, percent of target), with the 100 % mark."""
    scale = max([percent for _label, percent in items if percent] + [100])
    span = WIDTH - VALUE
    full = span * 100 / scale
    rows, described = [], []
    for index, (label, percent) in enumerate(items):
        shown = hidden_text if percent is None else f"{_number(percent)} %"
        described.append(f"{label} : {shown}")
        length = 0 if not percent else max(2.0, span * percent / scale)
        css = "bar done" if percent and percent >= 100 else "bar"
        rows.append(_row(index * ROW, label, length, shown, rtl, css, mark=full))
    return _svg(title, "; ".join(described), len(items), rows)


def _svg(title: str, description: str, count: int, rows: list[str]) -> Markup:
    uid = f"chart-{next(_ids)}"
    height = ROW * max(count, 1) + 4
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" direction="ltr" '
        f'viewBox="-2 0 {WIDTH + 4} {height}" width="{WIDTH + 4}" height="{height}" aria-labelledby="{uid}-t {uid}-d">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(description)}</desc>'
        + "".join(rows) + "</svg>")


def printable_bars(bars: list[tuple[str, float | int | None]], *, hidden_text: str = "< 5", suffix: str = "",
                   scale: float | None = None, done_at: float | None = None) -> Markup:
    """The same bars for the PDF, as an HTML table: WeasyPrint lays out SVG text without the bidirectional
    algorithm (an Arabic label comes out letter by letter, reversed), while its HTML text is shaped and
    ordered right. The page's direction mirrors the table in Arabic. `scale`: the value of a full bar
    (the largest by default); `done_at`: a value from which the bar takes the "reached" colour."""
    largest = scale or max([value for _label, value in bars if value] or [1])
    rows = []
    for label, value in bars:
        shown = hidden_text if value is None else _number(value) + suffix
        width = 0 if not value else max(0.5, 100 * min(value, largest) / largest)
        css = "fill done" if done_at is not None and value is not None and value >= done_at else "fill"
        fill = f'<span class="{css}" style="width: {width:.1f}%"></span>' if width else ""
        rows.append(f'<tr><th scope="row">{escape(label)}</th><td class="track">{fill}</td>'
                    f'<td class="value"><bdi>{escape(shown)}</bdi></td></tr>')
    return Markup('<table class="hbars"><tbody>' + "".join(rows) + "</tbody></table>")
