"""Printed documents: the only importer of WeasyPrint. HTML + the print stylesheet → PDF bytes.

Resources come only from the application's static folder (no network, no other file: SSRF and
local-file disclosure are impossible whatever a course text contains). One FontConfiguration and
one parsed stylesheet per thread: reusing them makes a warm render ~2× faster and keeps memory
flat, and they must not be shared between threads.
"""
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

_local = threading.local()


class StaticOnlyFetcher(URLFetcher):
    """Serves file:// URLs inside the static folder and data: URLs; refuses everything else."""

    def __init__(self, static_root: Path):
        super().__init__(allowed_protocols={"file", "data"})
        self.static_root = static_root.resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file":
            raise ValueError(f"refused URL: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.static_root) or not path.is_file():
            raise ValueError(f"refused file: {url}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime}, 200)


def _tools(stylesheet: str):
    static_root = Path(current_app.static_folder).resolve()
    key = (str(static_root), stylesheet)
    if getattr(_local, "key", None) != key:
        fetcher = StaticOnlyFetcher(static_root)
        fonts = FontConfiguration()
        css_path = static_root / stylesheet
        css = CSS(string=css_path.read_text("utf-8"), base_url=css_path.as_uri(), url_fetcher=fetcher,
                  font_config=fonts)
        _local.key, _local.tools = key, (fetcher, fonts, css)
    return _local.tools


def render_pdf(html: str, *, stylesheet: str = "css/pdf.css", archival: bool = False,
               attachments: list[tuple[str, str, str]] = ()) -> bytes:
    """Render `html` with the print stylesheet; relative URLs resolve inside static/. `attachments`:
    (file name, text, description) embedded in the PDF (PDF/A-3 allows it: the file's "Data")."""
    from weasyprint import Attachment

    fetcher, fonts, css = _tools(stylesheet)
    base_url = (Path(current_app.static_folder).resolve() / "index.html").as_uri()
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    options = {"pdf_variant": "pdf/a-3b"} if archival else {}
    if attachments:
        options["attachments"] = [Attachment(string=data, name=name, description=description, relationship="Data",
                                             url_fetcher=fetcher) for name, data, description in attachments]
    return document.write_pdf(stylesheets=[css], font_config=fonts, **options)
