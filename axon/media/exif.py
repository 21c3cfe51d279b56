"""The EXIF GPS position removed from a JPEG, PNG or WebP without re-encoding a pixel.

A phone photo says where it was taken; sharing it in a chat should not. Each format keeps EXIF in a
container the file's structure delimits: a JPEG APP1 segment, a PNG ``eXIf`` chunk, a WebP ``EXIF``
chunk. The file is copied segment by segment (chunk by chunk), streamed, and only that one is
rewritten: the EXIF is parsed by Pillow, its GPS IFD dropped, and written back. Everything else,
the compressed image data above all, is copied byte for byte, so no quality is lost and the
orientation tag and camera details stay. Re-serialising the EXIF drops its embedded thumbnail (IFD1)
too, which is just as well: an editor may have left the uncropped original there.

XMP can carry the position as well (``exif:GPSLatitude``): an XMP packet that mentions GPS is
dropped whole. Other formats (TIFF, HEIC) are stored as they came; ``docs/files.md`` says so.
"""

from __future__ import annotations

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
    in the same form; None when it has none."""
    exif = Image.Exif()
    try:
        exif.load(data)
    except (ValueError, OSError, SyntaxError, struct.error, KeyError, IndexError) as exc:
        raise Malformed("unreadable EXIF") from exc
    if GPS_IFD not in exif:
        return None
    del exif[GPS_IFD]
    cleaned = exif.tobytes()  # with the Exif\0\0 header
    return cleaned if data.startswith(_EXIF_HEADER) else cleaned[len(_EXIF_HEADER):]


def xmp_has_gps(data: bytes) -> bool:
    return any(word in data for word in _GPS_IN_XMP)


# -- JPEG: markers and segments up to the start of scan, then the entropy-coded data as it is ---------

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
    if out is not None:
        _copy_rest(source, out)
    return changed


def _jpeg_segments(source: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """Each segment before the start of scan; the stream is then left at the SOS marker."""
    while True:
        head = source.read(4)
        if len(head) < 4 or head[0] != 0xFF:
            raise Malformed("broken JPEG segment")
        marker, length = head[1], struct.unpack(">H", head[2:])[0]
        if marker == 0xDA:  # start of scan: the rest is image data, copied verbatim
            source.seek(-4, 1)
            return
        if length < 2:
            raise Malformed("broken JPEG segment length")
        body = source.read(length - 2)
        if len(body) < length - 2:
            raise Malformed("truncated JPEG segment")
        yield marker, body


def _jpeg_replacement(marker: int, body: bytes) -> bytes | None:
    """The new body of an APP1 segment that gives away a position (b"" to drop it), else None."""
    if marker != 0xE1:
        return None
    if body.startswith(_EXIF_HEADER):
        return clean_exif(body)
    if body.startswith(_XMP_HEADER) and xmp_has_gps(body):
        return b""
    return None


# -- PNG: chunks of length, type, data, CRC ---------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    if kind not in (b"eXIf", b"iTXt") or length > _MAX_METADATA:
        return None
    start = source.tell()
    data = source.read(length)
    source.read(4)  # the CRC, recomputed when rewritten
    replacement: bytes | None = None
    if kind == b"eXIf":
        replacement = clean_exif(data)
    elif data.startswith(b"XML:com.adobe.xmp\x00") and xmp_has_gps(data):
        replacement = b""
    if replacement is None:
        source.seek(start)
    return replacement


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I4s", len(data), kind) + data + struct.pack(">I", zlib.crc32(kind + data))


# -- WebP: a RIFF container of chunks (FourCC, little-endian size, data, a pad byte when odd) ----------

_VP8X_XMP = 0x04  # the VP8X flag that announces an XMP chunk


def _webp(source: BinaryIO, out: BinaryIO | None) -> bool:
    head = source.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:] != b"WEBP":
        raise Malformed("not a WebP")
    end = 8 + struct.unpack("<I", head[4:8])[0]
    if out is not None:
        out.write(head)
    changed = False
    dropped_xmp = False
    while source.tell() < end:
        chunk = source.read(8)
        if len(chunk) < 8:
            raise Malformed("truncated WebP")
        kind, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        padded = size + (size & 1)
        replacement = _webp_replacement(source, kind, size, padded)
        if replacement is not None:
            changed = True
            dropped_xmp = dropped_xmp or (kind == b"XMP " and not replacement)
            if out is not None and replacement:
                out.write(kind + struct.pack("<I", len(replacement)) + replacement + b"\x00" * (len(replacement) & 1))
        elif out is not None:
            out.write(chunk)
            _copy(source, out, padded)
        else:
            source.seek(padded, 1)
    if out is not None:
        _finish_webp(out, dropped_xmp)
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


def _finish_webp(out: BinaryIO, dropped_xmp: bool) -> None:
    """The RIFF size of what was written; the VP8X flag of an XMP chunk no longer there cleared."""
    total = out.tell()
    out.seek(4)
    out.write(struct.pack("<I", total - 8))
    if dropped_xmp:
        out.seek(12)
        if out.read(4) == b"VP8X":
            out.seek(20)
            flags = out.read(1)[0]
            out.seek(20)
            out.write(bytes([flags & ~_VP8X_XMP]))
    out.seek(total)


# -- streaming copies ----------------------------------------------------------------------------

def _copy(source: BinaryIO, out: BinaryIO, count: int) -> None:
    while count > 0:
        block = source.read(min(count, _COPY_CHUNK))
        if not block:
            raise Malformed("truncated file")
        out.write(block)
        count -= len(block)


def _copy_rest(source: BinaryIO, out: BinaryIO) -> None:
    while block := source.read(_COPY_CHUNK):
        out.write(block)
