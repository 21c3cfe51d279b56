"""PDFs (PDFium through ``pypdfium2``): the page count and a thumbnail of the first page.

PDFium reads the file lazily (by seeking), so a large PDF costs little memory to open. Only the
first page is rendered, at a scale that keeps its long side at ``THUMBNAIL_EDGE`` pixels whatever
size the page declares (the bitmap is 720 x 720 x 3 bytes at most), and progressively: PDFium asks
between drawing steps whether to pause, and past ``RENDER_BUDGET_S`` the answer is yes and the
rendering is abandoned (no thumbnail). A PDF PDFium cannot read is still a PDF: kind ``pdf`` with no
pages and no thumbnail. PDFium is not thread-safe: one lock serialises every call into it, since the
analyser runs in worker threads.
"""

from __future__ import annotations

import ctypes
import math
import threading
import time
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium

from ..domain.media import FileKind, MediaInfo, Thumbnail
from .images import THUMBNAIL_EDGE, thumbnail_of

PDF_MIME = "application/pdf"
_PDFIUM = threading.Lock()
_MIN_POINTS = 1.0  # a page narrower than a point is broken, not a document
RENDER_BUDGET_S = 5.0
_WHITE = (255, 255, 255, 255)


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
        scale = THUMBNAIL_EDGE / max(width, height)
        bitmap = _render(page, max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale)))
        if bitmap is None:
            return None
        try:
            return thumbnail_of(bitmap.to_pil())
        finally:
            bitmap.close()
    except (pypdfium2.PdfiumError, ValueError, OSError):
        return None
    finally:
        page.close()


def _render(page: pypdfium2.PdfPage, width: int, height: int) -> pypdfium2.PdfBitmap | None:
    """The page drawn into a ``width`` x ``height`` bitmap, or None if that takes too long."""
    bitmap = pypdfium2.PdfBitmap.new_native(width, height, format=pdfium.FPDFBitmap_BGR)
    bitmap.fill_rect(_WHITE, 0, 0, width, height)
    deadline = time.monotonic() + RENDER_BUDGET_S
    pause = pdfium.IFSDK_PAUSE(version=1)
    should_pause = type(pause.NeedToPauseNow)(lambda _pause: int(time.monotonic() > deadline))
    pause.NeedToPauseNow = should_pause  # the ctypes callback lives (in should_pause) until we return
    status = pdfium.FPDF_RenderPageBitmap_Start(bitmap, page, 0, 0, width, height, 0, pdfium.FPDF_ANNOT,
                                                ctypes.byref(pause))
    while status == pdfium.FPDF_RENDER_TOBECONTINUED and time.monotonic() <= deadline:
        status = pdfium.FPDF_RenderPage_Continue(page, ctypes.byref(pause))
    pdfium.FPDF_RenderPage_Close(page)
    if status != pdfium.FPDF_RENDER_DONE:
        bitmap.close()
        return None
    return bitmap
