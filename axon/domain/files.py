"""Files: the rules of uploads, attachments and downloads, as plain functions over plain values.

What a file may be called (``sanitise_name``), how large an upload may be and how it is cut into
chunks, which contents a browser may show inline (``disposition``) and how the download is named
(``content_disposition``), what a ``Range`` header asks for (``parse_range``), and the signature
of the short-lived URLs a browser puts in ``<img src>`` (``url_signature``). The file service
(``services/files.py``) applies them; nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .errors import AxonError, BadRequest, Conflict, ValidationFailed

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

CHUNK_BYTES = 8 * MIB  # at most this many bytes per PUT of an upload
DEFAULT_MAX_FILE_BYTES = GIB
MAX_FILE_BYTES_LIMIT = 64 * GIB  # what an admin may set max_file_bytes to at most
MAX_ATTACHMENTS = 10  # files per message
MAX_URL_IDS = 200  # files per POST /files/urls
MAX_NAME_CHARS = 200  # a sanitised name is cut to this many characters (its extension kept)
UPLOAD_TTL_MS = 24 * 3600 * 1000  # an upload not finished within a day expires and its parts are swept
SIGNED_URL_TTL_MS = 10 * 60 * 1000
BLOB_GRACE_MS = 10 * 60 * 1000  # a blob no file refers to is swept this long after its last reference went

_FALLBACK_NAME = "file"
# Bidirectional overrides, isolates and marks, zero-width characters and the BOM: they make a name
# display differently from what it is ("invoice\u202eexe.pdf" shows as "invoicefdp.exe").
_INVISIBLE = set("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                 "\u061c\ufeff\u2028\u2029")
_SEPARATORS = re.compile(r"[/\\]+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


class FileTooLarge(BadRequest):
    status = 413
    code = "file_too_large"


class QuotaExceeded(BadRequest):
    status = 413
    code = "quota_exceeded"


class UploadOffsetMismatch(Conflict):
    code = "upload_offset_mismatch"


class UploadIncomplete(Conflict):
    code = "upload_incomplete"


class RangeNotSatisfiable(AxonError):
    status = 416
    code = "range_not_satisfiable"


def sanitise_name(name: Any) -> str:
    """A file name safe to store, show and offer as a download name, whatever the client sent.

    Path separators become ``_`` (a name never names a folder; ``..`` and ``.`` parts go), control
    characters and invisible bidirectional or zero-width characters go, whitespace is collapsed,
    leading dots are dropped (no hidden files), and the result is cut to ``MAX_NAME_CHARS`` keeping its extension. A
    name with nothing left (empty, only dots) becomes "file".
    """
    if not isinstance(name, str):
        raise ValidationFailed("name must be a string.", field="name")
    text = unicodedata.normalize("NFC", name)
    text = "".join(c for c in text if c not in _INVISIBLE and unicodedata.category(c)[0] != "C")
    parts = [p for p in _SEPARATORS.split(text) if p.strip(". ")]  # no folder, no "..", no "."
    text = " ".join("_".join(parts).split()).lstrip(". ").rstrip(". ")
    if not text.strip("._- "):
        return _FALLBACK_NAME
    return _shorten(text)


def _shorten(text: str) -> str:
    if len(text) <= MAX_NAME_CHARS:
        return text
    ext = _EXTENSION.search(text)
    suffix = ext.group(0) if ext else ""
    return text[:MAX_NAME_CHARS - len(suffix)].rstrip(". ") + suffix


def validate_size(size: Any, max_bytes: int) -> int:
    """The size an upload announces: 0 (an empty file is a file) up to the organisation's limit."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValidationFailed("size must be a whole number of bytes, 0 or more.", field="size")
    if size > max_bytes:
        raise FileTooLarge(f"The file is larger than this organisation allows ({max_bytes} bytes).", limit=max_bytes)
    return size


def check_quota(used: int, size: int, quota: int | None, whose: str) -> None:
    """Refuse an upload that would take ``whose`` (the organisation, the user) past its quota."""
    if quota is not None and used + size > quota:
        raise QuotaExceeded(f"This upload would exceed the {whose} storage quota ({quota} bytes).",
                            limit=quota, used=used, scope=whose)


def check_chunk(stored_offset: int, offset: int, length: int, size: int) -> None:
    """A chunk must start exactly where the upload stands and stay within the announced size."""
    if offset != stored_offset:
        raise UploadOffsetMismatch("The chunk does not start where the upload stands; continue from offset.",
                                   offset=stored_offset)
    if length < 1 or length > CHUNK_BYTES:
        raise ValidationFailed(f"A chunk is 1 to {CHUNK_BYTES} bytes.", field="body")
    if offset + length > size:
        raise ValidationFailed("The chunk goes past the size announced for the upload.", field="body",
                               size=size)


def validate_attachment_ids(value: Any) -> tuple[str, ...]:
    """The file ids a send attaches: a list of at most ``MAX_ATTACHMENTS`` distinct ids, order kept."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 64 for v in value):
        raise ValidationFailed("attachments must be a list of file ids.", field="attachments")
    if len(value) > MAX_ATTACHMENTS:
        raise ValidationFailed(f"A message carries at most {MAX_ATTACHMENTS} files.", field="attachments")
    if len(set(value)) != len(value):
        raise ValidationFailed("A file is attached twice.", field="attachments")
    return tuple(value)


# --- downloads -----------------------------------------------------------------------------------

# Contents a browser renders without running anything: everything else is a download, so an
# uploaded HTML, SVG, XML or script can never run in Axon's origin.
SAFE_INLINE = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp",
    "audio/mpeg", "audio/ogg", "audio/opus", "audio/webm", "audio/mp4", "audio/aac", "audio/wav", "audio/x-wav",
    "audio/flac", "video/mp4", "video/webm", "video/ogg", "video/quicktime", "application/pdf", "text/plain",
})


def disposition(mime: str, force_download: bool = False) -> str:
    """``inline`` only for a safe list of image, audio, video, PDF and plain-text types."""
    return "inline" if mime in SAFE_INLINE and not force_download else "attachment"


def content_disposition(kind: str, name: str) -> str:
    """RFC 6266: an ASCII fallback name and the real one as RFC 5987 ``filename*``."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\;%' else "_" for c in name) or _FALLBACK_NAME
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # exclusive

    @property
    def length(self) -> int:
        return self.end - self.start


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range a ``Range`` header asks of ``size`` bytes; None: the whole content.

    Only single ``bytes=`` ranges are served (``a-b``, ``a-``, ``-n``); a multi-range or malformed
    header is ignored (the whole content, as RFC 9110 allows). A range past the end raises
    ``RangeNotSatisfiable`` (416).
    """
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or first == "") or not (last.isdigit() or last == "") or first == last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable("The range asked for is outside the file.", size=size)
        return ByteRange(max(0, size - suffix), size)
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable("The range asked for is outside the file.", size=size)
    return ByteRange(start, end)


def url_signature(key: bytes, user_id: str, file_id: str, what: str, expires_s: int) -> str:
    """The HMAC that makes a download URL work for one user, one file, one rendition, until a time."""
    message = f"axon file url\x1f{user_id}\x1f{file_id}\x1f{what}\x1f{expires_s}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def signature_valid(key: bytes, user_id: str, file_id: str, what: str, expires_s: int, signature: str,
                    now_s: int) -> bool:
    if expires_s < now_s or expires_s > now_s + 2 * SIGNED_URL_TTL_MS // 1000:
        return False
    return hmac.compare_digest(url_signature(key, user_id, file_id, what, expires_s), signature)
