"""PDFs (PDFium through ``pypdfium2``): the page count and a thumbnail of the first page.

PDFium reads the file lazily (by seeking), so a large PDF costs little memory to open. The first
page is rendered at a scale that keeps its long side at ``THUMBNAIL_EDGE`` pixels whatever size the
page declares, so the bitmap is bounded (720 x 720 x 4 bytes at most). PDFium is not thread-safe:
one lock serialises every call into it, since the analyser runs in worker threads. A PDF PDFium
cannot read is still a PDF: kind ``pdf`` with no pages and no thumbnail.

PDFium has no time limit of its own; a page built to render slowly takes what it takes (the
rendering is bounded in pixels, and only the first page is ever rendered).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pypdfium2

from ..domain.media import FileKind, MediaInfo, Thumbnail
from .images import THUMBNAIL_EDGE, thumbnail_of

PDF_MIME = "application/pdf"
_PDFIUM = threading.Lock()
_MIN_POINTS = 1.0  # a page narrower than a point is broken, not a document


def analyse_pdf(path: Path) -> MediaInfo:
    with _PDFIUM:
        try:
            document = pypdfium2.PdfDocument(path)
        except pypdfium2.PdfiumError:
            return MediaInfo(mime=PDF_MIME, kind=FileKind.PDF)
        try:
            pages = len(document)
            thumbnail = _first_page(document) if pages else None
        finally:
            document.close()
    return MediaInfo(mime=PDF_MIME, kind=FileKind.PDF, pages=pages, thumbnail=thumbnail)


def _first_page(document: pypdfium2.PdfDocument) -> Thumbnail | None:
    try:
        page = document[0]
    except pypdfium2.PdfiumError:
        return None
    try:
        width, height = page.get_size()
        if min(width, height) < _MIN_POINTS:
            return None
        bitmap = page.render(scale=THUMBNAIL_EDGE / max(width, height), may_draw_forms=False)
        try:
            return thumbnail_of(bitmap.to_pil())
        finally:
            bitmap.close()
    except (pypdfium2.PdfiumError, ValueError, OSError):
        return None
    finally:
        page.close()
