"""``MediaProbe``: the ``MediaAnalyser`` port, from the sniffed type to the right reader.

The content decides: the type is sniffed (``sniff``), then the reader for that type runs. Content
that claims a type but cannot be read as it (a truncated JPEG, a WebM with garbage inside) is a
plain file of that type, never an error, except for a voice message, which must be audio that
FFmpeg can decode (``MediaRefused`` otherwise), and an image over the pixel limit (refused too).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path

from ..domain.media import FileKind, MediaInfo, MediaRefused
from .exif import Malformed, strip_gps
from .images import analyse_image
from .pdf import PDF_MIME, analyse_pdf
from .sniff import read_head, sniff
from .timed import DEMUXERS, analyse_timed

log = logging.getLogger("axon.media")

CLEANED_SUFFIX = ".nogps"  # the rewritten copy sits beside the upload: <upload>.nogps
_NOT_RASTER = ("image/svg+xml",)


class MediaProbe:
    """Reads uploads with libmagic, Pillow, PDFium and FFmpeg; see the package's docstring.

    At most ``parallel`` analyses run at once, whatever number of worker threads call in: each may
    hold a decoded image (up to ``images.MAX_PIXELS`` x 4 bytes), so this bounds the node's memory
    when many uploads finish together. The others wait their turn in their threads.
    """

    def __init__(self, strip_gps: bool = True, parallel: int = 2) -> None:
        self.strip_gps = strip_gps  # remove the EXIF GPS position of photos (the default)
        self._slots = threading.BoundedSemaphore(parallel)

    def analyse(self, path: Path, name: str, voice: bool) -> MediaInfo:
        with self._slots:
            return self._analyse(path, name, voice)

    def _analyse(self, path: Path, name: str, voice: bool) -> MediaInfo:
        mime = sniff(read_head(path), name)
        if voice:
            return self._voice(path, mime)
        if mime == PDF_MIME:
            return analyse_pdf(path)
        if mime.startswith("image/") and mime not in _NOT_RASTER:
            image = analyse_image(path, mime)
            return self._without_position(path, image or MediaInfo(mime=mime, kind=FileKind.FILE))
        if mime in DEMUXERS:
            timed = analyse_timed(path, mime, voice=False)
            if timed is not None:
                return timed
        return MediaInfo(mime=mime, kind=FileKind.FILE)

    def _voice(self, path: Path, mime: str) -> MediaInfo:
        info = analyse_timed(path, mime, voice=True)
        if info is None:
            raise MediaRefused("A voice message must be audio (Opus/WebM, Ogg, M4A, MP3 or WAV).", mime=mime)
        return info

    def _without_position(self, path: Path, info: MediaInfo) -> MediaInfo:
        if not self.strip_gps:
            return info
        target = path.with_name(path.name + CLEANED_SUFFIX)
        try:
            rewritten = strip_gps(path, info.mime, target)
        except Malformed as exc:  # its structure did not parse: stored as it came
            log.warning("GPS not removed from an upload: %s", exc)
            return info
        if not rewritten:
            return info
        return replace(info, cleaned=target)
