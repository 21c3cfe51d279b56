"""The real type of an upload, from its first bytes.

libmagic (Debian's ``libmagic1``, the database behind ``file(1)``, through ``python-magic``) does the
reading. It was chosen over the pure-Python ``filetype``/``puremagic`` because it is maintained with
Debian's ``file`` package and it recognises *text* formats too: HTML, SVG, XML and scripts must come
out as what they are so that downloads can force ``attachment`` on anything a browser would run,
whatever the upload was called. Only the first ``HEAD_BYTES`` are read.

The name's extension is a tie-breaker only, and only for plain text: libmagic sees ``a,b\\n1,2`` or
``function f() {}`` as ``text/plain``, and the extension may then say CSV, Markdown or JavaScript.
It never turns binary content, or text libmagic recognised, into something else.
"""

from __future__ import annotations

from pathlib import Path, PurePath

import magic

HEAD_BYTES = 256 * 1024
OCTET_STREAM = "application/octet-stream"

# libmagic's names for types that browsers and the IANA registry know under another one.
_CANONICAL = {
    "application/x-empty": OCTET_STREAM,
    "audio/x-wav": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "audio/x-hx-aac-adts": "audio/aac",
    "audio/x-flac": "audio/flac",
    "image/x-ms-bmp": "image/bmp",
    "image/vnd.microsoft.icon": "image/x-icon",
    "text/xml": "application/xml",
    "application/javascript": "text/javascript",
    "application/x-javascript": "text/javascript",
    "application/x-pdf": "application/pdf",
}

# For content libmagic could only call plain text: what the extension may make of it.
_TEXT_BY_EXTENSION = {
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".json": "application/json",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".ics": "text/calendar",
    ".vcf": "text/vcard",
}
_PLAIN = ("text/plain", "application/xml")  # what the extension may refine (XML only into SVG/XHTML)


def read_head(path: Path) -> bytes:
    with path.open("rb") as stream:
        return stream.read(HEAD_BYTES)


def sniff(head: bytes, name: str) -> str:
    """The MIME type of content starting with ``head`` (no parameters, lower case)."""
    if not head:
        return OCTET_STREAM
    found = magic.from_buffer(head, mime=True).split(";")[0].strip().lower() or OCTET_STREAM
    found = _CANONICAL.get(found, found)
    if found in _PLAIN:
        return _refine_text(found, PurePath(name).suffix.lower())
    return found


def _refine_text(found: str, extension: str) -> str:
    hinted = _TEXT_BY_EXTENSION.get(extension)
    if hinted is None:
        return found
    if found == "application/xml":  # XML stays XML unless the name says which XML it is
        return hinted if hinted in ("image/svg+xml", "application/xhtml+xml") else found
    return hinted
