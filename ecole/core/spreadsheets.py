"""CSV files as people open them in a spreadsheet here: `;` between cells (French Excel), a UTF-8 BOM
(so that Excel reads Arabic names), and no cell that a spreadsheet would run as a formula."""
import csv
import io
import re
from collections.abc import Iterable

BOM = "\ufeff"
_PHONE = re.compile(r"\+\d{6,15}")


def safe_cell(value) -> str:
    """No formula injection when the file is opened in a spreadsheet (a bare phone number is data)."""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PHONE.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable], *, bom: bool = True) -> str:
    """The rows as CSV text; numbers stay numbers, every other cell goes through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([value if isinstance(value, (int, float)) and not isinstance(value, bool)
                         else "" if value is None else safe_cell(value) for value in row])
    return (BOM if bom else "") + out.getvalue()
