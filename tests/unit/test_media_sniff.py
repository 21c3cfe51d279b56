"""The real type comes from the content; the name only refines plain text. PDFs and plain files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from axon.domain.media import FileKind
from axon.media import MediaProbe
from axon.media.sniff import sniff

from .media_samples import gradient, pdf, save_image

probe = MediaProbe()

HTML = b"<!DOCTYPE html><html><head><script>alert(1)</script></head><body>hi</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'
XML = b'<?xml version="1.0"?><note><to>you</to></note>'


@pytest.mark.parametrize("content, name, mime", [
    (HTML, "cat.jpg", "text/html"),  # a page called a photo is still a page
    (HTML, "notes.txt", "text/html"),
    (SVG, "icon.png", "image/svg+xml"),
    (SVG, "icon.svg", "image/svg+xml"),
    (XML, "data.txt", "application/xml"),
    (XML, "drawing.svg", "image/svg+xml"),
    (b"#!/usr/bin/env node\nconsole.log(1)\n", "run.txt", "text/javascript"),
    (b"function f() { return 1 }\nf()\n", "app.js", "text/javascript"),  # plain text: the name decides
    (b"function f() { return 1 }\nf()\n", "app.txt", "text/plain"),
    (b"a,b,c\n1,2,3\n", "table.csv", "text/csv"),
    (b"# Title\n\nSome *words*.\n", "README.md", "text/markdown"),
    (b"just words\n", "page.html", "text/html"),  # text named as HTML is served as HTML would be
    (b"just words\n", "noextension", "text/plain"),
    (b"\x00\x01\x02\x03binary\xff\xfe", "report.csv", "application/octet-stream"),  # the name never makes text
    (b"", "empty.txt", "application/octet-stream"),
])
def test_the_content_decides_and_the_name_only_refines_text(content: bytes, name: str, mime: str) -> None:
    assert sniff(content, name) == mime


def test_an_image_named_as_a_document_is_an_image(tmp_path: Path) -> None:
    path = save_image(tmp_path / "report.pdf", gradient(20, 10), "PNG")
    info = probe.analyse(path, "report.pdf", voice=False)
    assert (info.mime, info.kind, info.width) == ("image/png", FileKind.IMAGE, 20)


def test_html_and_svg_are_files_with_their_real_type(tmp_path: Path) -> None:
    for content, mime in ((HTML, "text/html"), (SVG, "image/svg+xml")):
        (tmp_path / "x.png").write_bytes(content)
        info = probe.analyse(tmp_path / "x.png", "x.png", voice=False)
        assert (info.mime, info.kind, info.thumbnail) == (mime, FileKind.FILE, None)


def test_an_empty_file_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "e").write_bytes(b"")
    info = probe.analyse(tmp_path / "e", "e", voice=False)
    assert (info.mime, info.kind) == ("application/octet-stream", FileKind.FILE)


def test_a_pdf_has_its_pages_and_a_first_page_thumbnail(tmp_path: Path) -> None:
    info = probe.analyse(pdf(tmp_path / "doc.bin", pages=3), "doc.bin", voice=False)
    assert (info.mime, info.kind, info.pages) == ("application/pdf", FileKind.PDF, 3)
    assert info.thumbnail is not None and (info.thumbnail.width, info.thumbnail.height) == (540, 720)
    with Image.open(io.BytesIO(info.thumbnail.data)) as thumbnail:
        assert thumbnail.format == "WEBP"


def test_a_malformed_pdf_is_a_pdf_without_thumbnail(tmp_path: Path) -> None:
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage\n" + bytes(range(256)))
    info = probe.analyse(tmp_path / "bad.pdf", "bad.pdf", voice=False)
    assert (info.mime, info.kind, info.thumbnail) == ("application/pdf", FileKind.PDF, None)


def test_a_pdf_thumbnail_shows_the_page(tmp_path: Path) -> None:
    info = probe.analyse(pdf(tmp_path / "doc.pdf", pages=1), "doc.pdf", voice=False)
    assert info.thumbnail is not None
    with Image.open(io.BytesIO(info.thumbnail.data)) as thumbnail:
        left, right = thumbnail.convert("RGB").getpixel((5, 360)), thumbnail.convert("RGB").getpixel((530, 360))
    assert left[0] < 40 and right[0] > 200  # the gradient drawn on the page, not a blank sheet


def test_a_page_that_takes_too_long_to_draw_gets_no_thumbnail(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from axon.media import pdf as pdf_reader

    monkeypatch.setattr(pdf_reader, "RENDER_BUDGET_S", -1.0)  # every drawing step is already too late
    info = probe.analyse(pdf(tmp_path / "doc.pdf", pages=2), "doc.pdf", voice=False)
    assert (info.kind, info.pages, info.thumbnail) == (FileKind.PDF, 2, None)
