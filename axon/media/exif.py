"""The EXIF GPS position removed from a JPEG, PNG or WebP without re-encoding a pixel.

A phone photo says where it was taken; sharing it in a chat should not. Each format keeps EXIF in a
container the file's structure delimits: a JPEG APP1 segment, a PNG ``eXIf`` chunk, a WebP ``EXIF``
chunk. The file is copied segment by segment (chunk by chunk), streamed, and only that one is
rewritten: the EXIF is parsed by Pillow, its GPS IFD dropped, and written back. Everything else,
the compressed image data above all, is copied byte for byte, so no quality is lost and the
orientation tag and camera details stay. Re-serialising the EXIF drops its embedded thumbnail (IFD1)
too, which is just as well: an editor may have left the uncropped original there.

EXIF that cannot be parsed is dropped whole. XMP can carry the position as well
(``exif:GPSLatitude``): an XMP packet that mentions GPS is dropped whole, and so are the EXIF and XMP
profiles some tools write into PNG text chunks. A JPEG is copied up to its end-of-image marker
only: an MPO's other images and a motion photo's video follow it, with positions of their own.
Other formats (TIFF, HEIC) are stored as they came; ``docs/files.md`` says so.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from PIL import Image

GPS_IFD = 0x8825
_EXIF_HEADER = b"Exif\x00\x00"
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_GPS_IN_XMP = (b"GPSLatitude", b"GPSLongitude", b"GPSAltitude", b"GPSCoordinates")
_MAX_METADATA = 1 << 20  # an EXIF or XMP block read into memory at most (JPEG caps segments at 64 KiB)
_COPY_CHUNK = 1 << 20


class Malformed(ValueError):
    """The file's structure is not what its format says; nothing was rewritten."""


def strip_gps(path: Path, mime: str, target: Path) -> bool:
    """Write ``path`` without its GPS position to ``target`` and say True, or say False (and write
    nothing) when there is no position to remove. Raises ``Malformed``."""
    rewrite = {"image/jpeg": _jpeg, "image/png": _png, "image/webp": _webp}.get(mime)
    if rewrite is None:
        return False
    with path.open("rb") as source:
        if not rewrite(source, None):
            return False
        source.seek(0)
        try:
            with target.open("w+b") as out:
                rewrite(source, out)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    return True


def clean_exif(data: bytes) -> bytes | None:
    """``data`` (TIFF-structured EXIF, with or without the ``Exif\\0\\0`` header) without its GPS IFD,
    in the same form; None when it has none; b"" (drop it) when it cannot be read or written back,
    since nobody can then tell whether it holds a position."""
    tiff = data[len(_EXIF_HEADER):] if data.startswith(_EXIF_HEADER) else data
    tags = ifd0_tags(tiff)
    if tags is None:
        return b""
    if GPS_IFD not in tags:
        return None
    exif = Image.Exif()
    try:
        exif.load(tiff)
        if GPS_IFD not in exif:  # Pillow read less than is there
            return b""
        del exif[GPS_IFD]
        cleaned = exif.tobytes()  # with the Exif\0\0 header
    except (ValueError, OSError, SyntaxError, struct.error, KeyError, IndexError, TypeError):
        return b""
    return cleaned if data.startswith(_EXIF_HEADER) else cleaned[len(_EXIF_HEADER):]


def ifd0_tags(tiff: bytes) -> set[int] | None:
    """The tags of a TIFF structure's first directory (where the GPS IFD is linked), read by hand so
    that a corrupt one is seen as such; None when it is not a readable TIFF directory."""
    if len(tiff) < 8 or tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    order = "<" if tiff[:2] == b"II" else ">"
    offset = struct.unpack(order + "I", tiff[4:8])[0]
    if offset < 8 or offset + 2 > len(tiff):
        return None
    count = struct.unpack(order + "H", tiff[offset:offset + 2])[0]
    end = offset + 2 + 12 * count
    if end > len(tiff):
        return None
    return {struct.unpack(order + "H", tiff[entry:entry + 2])[0] for entry in range(offset + 2, end, 12)}


def xmp_has_gps(data: bytes) -> bool:
    return any(word in data for word in _GPS_IN_XMP)


# -- JPEG: marker segments up to the first scan, the image data as it is, nothing after its end -------

def _jpeg(source: BinaryIO, out: BinaryIO | None) -> bool:
    if source.read(2) != b"\xff\xd8":
        raise Malformed("not a JPEG")
    if out is not None:
        out.write(b"\xff\xd8")
    changed = False
    for marker, body in _jpeg_segments(source):
        replacement = _jpeg_replacement(marker, body)
        if replacement is not None:
            changed = True
            body = replacement
        if out is not None and body:  # an empty replacement drops the segment
            out.write(struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body)
    if changed and out is None:
        return True  # no need to read the image data to know the file is to be rewritten
    trailer = _copy_to_end_of_image(source, out)
    return changed or trailer


def _copy_to_end_of_image(source: BinaryIO, out: BinaryIO | None) -> bool:
    """Copy the scans up to and with the end-of-image marker; say whether anything follows it.

    What follows a JPEG's end is not part of its picture: an MPO's other images (each with its own
    EXIF, position included), a motion photo's video, an editor's leftovers. It is never copied.
    In the entropy-coded data ``FF`` is followed by ``00`` (a stuffed byte), a restart marker or
    fill; any other marker between scans (tables, the next scan's header) has a length to skip.
    """
    reader = _Scans(source, out)
    try:
        while (code := reader.next_marker()) != 0xD9:
            if code not in _NO_LENGTH:
                reader.skip_segment()
    except _Truncated:  # no end marker: the file ends where it ends, copied whole
        reader.pos = len(reader.buffer)
    return reader.finish()


_MARKER = re.compile(rb"\xff[^\x00\xff]")  # FF 00 is a stuffed data byte, FF FF fill before a marker
_NO_LENGTH = frozenset([0x01, *range(0xD0, 0xD8)])  # TEM and the restart markers have no length


class _Truncated(Exception):
    """The image data ends without an end-of-image marker."""


class _Scans:
    """A JPEG's image data, read in blocks; what has been passed over is copied out at each refill."""

    def __init__(self, source: BinaryIO, out: BinaryIO | None) -> None:
        self.source, self.out = source, out
        self.buffer = b""
        self.pos = 0  # bytes before it are passed over

    def next_marker(self) -> int:
        """Pass over everything up to the next marker (``FF`` then neither ``00`` nor fill); return its code."""
        while True:
            found = _MARKER.search(self.buffer, self.pos)
            if found is not None:
                self.pos = found.end()
                return self.buffer[self.pos - 1]
            self.pos = len(self.buffer) - 1 if self.buffer.endswith(b"\xff") else len(self.buffer)
            self._more()

    def skip_segment(self) -> None:
        self._need(2)
        length = struct.unpack(">H", self.buffer[self.pos:self.pos + 2])[0]
        if length < 2:
            raise Malformed("broken JPEG segment length")
        self._need(length)
        self.pos += length

    def finish(self) -> bool:
        """Copy out what was passed over; say whether more follows."""
        if self.out is not None:
            self.out.write(memoryview(self.buffer)[:self.pos])
        return self.pos < len(self.buffer) or bool(self.source.read(1))

    def _need(self, count: int) -> None:
        while len(self.buffer) - self.pos < count:
            self._more()

    def _more(self) -> None:
        block = self.source.read(_COPY_CHUNK)
        if not block:
            raise _Truncated()
        if self.out is not None:
            self.out.write(memoryview(self.buffer)[:self.pos])
        self.buffer = self.buffer[self.pos:] + block
        self.pos = 0


def _jpeg_segments(source: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Each segment before the start of scan; the stream is then left at the SOS marker."""
    while True:
        marker = _jpeg_marker(source)
        if marker == 0xDA:  # start of scan: image data follows
            source.seek(-2, 1)
            return
        size = source.read(2)
        length = struct.unpack(">H", size)[0] if len(size) == 2 else 0
        if length < 2:
            raise Malformed("broken JPEG segment length")
        body = source.read(length - 2)
        if len(body) < length - 2:
            raise Malformed("truncated JPEG segment")
        yield marker, body


def _jpeg_marker(source: BinaryIO) -> int:
    if source.read(1) != b"\xff":
        raise Malformed("broken JPEG segment")
    while (code := source.read(1)) == b"\xff":
        pass  # fill bytes before a marker
    if not code:
        raise Malformed("truncated JPEG")
    return code[0]


def _jpeg_replacement(marker: int, body: bytes) -> bytes | None:
    """The new body of a segment that gives away a position (b"" to drop it), else None."""
    if marker == 0xE2 and body.startswith(b"MPF\x00"):
        return b""  # the index of an MPO's other images, which are not copied
    if marker != 0xE1:
        return None
    if body.startswith(_EXIF_HEADER):
        return clean_exif(body)
    if body.startswith(_XMP_HEADER) and xmp_has_gps(body):
        return b""
    return None


# -- PNG: chunks of length, type, data, CRC ---------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_RAW_PROFILES = (b"Raw profile type exif\x00", b"Raw profile type APP1\x00", b"Raw profile type xmp\x00")


def _png(source: BinaryIO, out: BinaryIO | None) -> bool:
    if source.read(8) != _PNG_SIGNATURE:
        raise Malformed("not a PNG")
    if out is not None:
        out.write(_PNG_SIGNATURE)
    changed = False
    while True:
        head = source.read(8)
        if len(head) < 8:
            raise Malformed("truncated PNG")
        length, kind = struct.unpack(">I4s", head)
        replacement = _png_replacement(source, kind, length)
        if replacement is not None:
            changed = True
            if out is not None and replacement:
                out.write(_png_chunk(kind, replacement))
        elif out is not None:
            out.write(head)
            _copy(source, out, length + 4)
        else:
            source.seek(length + 4, 1)
        if kind == b"IEND":
            return changed


def _png_replacement(source: BinaryIO, kind: bytes, length: int) -> bytes | None:
    if kind not in (b"eXIf", b"iTXt", b"tEXt", b"zTXt") or length > _MAX_METADATA:
        return None
    start = source.tell()
    data = source.read(length)
    source.read(4)  # the CRC, recomputed when rewritten
    replacement: bytes | None = None
    if kind == b"eXIf":
        replacement = clean_exif(data)
    elif data.startswith(_RAW_PROFILES):
        replacement = b""  # EXIF or XMP as hex text (ImageMagick's way), maybe compressed: dropped unread
    elif data.startswith(b"XML:com.adobe.xmp\x00") and xmp_has_gps(data):
        replacement = b""
    if replacement is None:
        source.seek(start)
    return replacement


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I4s", len(data), kind) + data + struct.pack(">I", zlib.crc32(kind + data))


# -- WebP: a RIFF container of chunks (FourCC, little-endian size, data, a pad byte when odd) ----------

_VP8X_FLAGS = {b"EXIF": 0x08, b"XMP ": 0x04}  # the VP8X flags announcing these chunks


def _webp(source: BinaryIO, out: BinaryIO | None) -> bool:
    head = source.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WEBP":
        raise Malformed("not a WebP")
    end = 8 + struct.unpack("<I", head[4:8])[0]
    if out is not None:
        out.write(head)
    changed = False
    dropped = 0  # the VP8X flags of chunks no longer there
    while source.tell() < end:
        chunk = source.read(8)
        if len(chunk) < 8:
            raise Malformed("truncated WebP")
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        padded = size + (size & 1)
        replacement = _webp_replacement(source, kind, size, padded)
        if replacement is not None:
            changed = True
            dropped |= _VP8X_FLAGS[kind] if not replacement else 0
            if out is not None and replacement:
                out.write(kind + struct.pack("<I", len(replacement)) + replacement + b"\x00" * (len(replacement) & 1))
        elif out is not None:
            out.write(chunk)
            _copy(source, out, padded)
        else:
            source.seek(padded, 1)
    if out is not None:
        _finish_webp(out, dropped)
    return changed


def _webp_replacement(source: BinaryIO, kind: bytes, size: int, padded: int) -> bytes | None:
    if kind not in (b"EXIF", b"XMP ") or size > _MAX_METADATA:
        return None
    start = source.tell()
    data = source.read(size)
    source.read(padded - size)
    replacement: bytes | None = None
    if kind == b"EXIF":
        replacement = clean_exif(data)
    elif xmp_has_gps(data):
        replacement = b""
    if replacement is None:
        source.seek(start)
    return replacement


def _finish_webp(out: BinaryIO, dropped: int) -> None:
    """The RIFF size of what was written; the VP8X flags of chunks no longer there cleared."""
    total = out.tell()
    out.seek(4)
    out.write(struct.pack("<I", total - 8))
    if dropped:
        out.seek(12)
        if out.read(4) == b"VP8X":
            out.seek(20)
            flags = out.read(1)[0]
            out.seek(20)
            out.write(bytes([flags & ~dropped]))
    out.seek(total)


# -- streaming copies ----------------------------------------------------------------------------

def _copy(source: BinaryIO, out: BinaryIO, count: int) -> None:
    while count > 0:
        block = source.read(min(count, _COPY_CHUNK))
        if not block:
            raise Malformed("truncated file")
        out.write(block)
        count -= len(block)


