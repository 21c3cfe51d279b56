"""What Axon learns from a file's content: its real type, its kind, its size on screen, and a preview.

Plain values, produced by the media analyser (``axon/media``, behind the ``MediaAnalyser`` port of
``services/ports.py``) from the bytes of an upload, never from what the client claimed. The file
service stores them with the file and every message carries them, so a client can lay out an
image at its real aspect ratio, or draw a voice message's waveform, before anything is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .errors import BadRequest

WAVEFORM_BARS = 64  # peaks per voice/audio waveform, each 0..255


class FileKind(StrEnum):
    """How clients show a file; decided from its sniffed content."""

    IMAGE = "image"  # shown inline (a thumbnail for large or non-web formats)
    VIDEO = "video"  # played inline
    AUDIO = "audio"  # played inline
    VOICE = "voice"  # a recorded voice message: audio played inline with its waveform
    PDF = "pdf"  # a first-page thumbnail
    FILE = "file"  # anything else: icon, name, size, type


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A small rendition to show before (or instead of) the original: an image, a PDF's first page,
    a video's first frame."""

    data: bytes
    mime: str  # image/webp or image/jpeg
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class MediaInfo:
    mime: str  # sniffed from the content; application/octet-stream when unknown
    kind: FileKind
    width: int | None = None  # images and videos, after EXIF orientation
    height: int | None = None
    duration_ms: int | None = None  # audio, voice and video
    waveform: tuple[int, ...] | None = None  # audio and voice: WAVEFORM_BARS peaks, 0..255
    animated: bool = False  # an animated GIF, WebP or APNG (shown as the original, not the thumbnail)
    pages: int | None = None  # PDFs
    thumbnail: Thumbnail | None = None
    # The content to store instead of the upload, when the analyser rewrote it (e.g. an image with
    # its EXIF GPS position removed); None when the upload is stored as it came.
    cleaned: Path | None = None


class MediaRefused(BadRequest):
    """Content refused outright, whatever its name says: an image over the pixel limit (a
    decompression bomb), a voice message that is not audio, a file that cannot be read as what it is."""

    status = 422
    code = "media_refused"
