"""Raster images (Pillow): size after EXIF orientation, animation, a WebP thumbnail, the pixel limit.

Only the header is read before the pixel limit is checked: a PNG of a few hundred bytes can declare
a 100,000 x 100,000 canvas, and decoding it would take 40 GB. Over ``MAX_PIXELS`` the upload is
refused (``MediaRefused``), whatever its size on disk. JPEGs are decoded at a reduced scale
(``draft``: the DCT does the downscaling) so a 12-megapixel photo costs a fraction of its full size
in memory and time. Only the formats below are opened: Pillow's other plugins include some that run
external programs (EPS through Ghostscript).
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from ..domain.media import FileKind, MediaInfo, MediaRefused, Thumbnail

MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; decoding more is an attack, not a picture
THUMBNAIL_EDGE = 720  # the thumbnail's long side at most, in pixels
THUMBNAIL_MIME = "image/webp"
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "AVIF")
_ANIMATABLE = ("GIF", "PNG", "WEBP")  # an MPO's or a TIFF's several frames are not an animation
_ORIENTATION = 0x0112
_TURNED = (5, 6, 7, 8)  # EXIF orientations that swap width and height
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError)


def analyse_image(path: Path, mime: str) -> MediaInfo | None:
    """What an image holds; None when Pillow cannot read it (the caller then treats it as a file)."""
    try:
        with Image.open(path, formats=FORMATS) as image:
            check_pixels(image.width, image.height)
            width, height = upright_size(image)
            animated = image.format in _ANIMATABLE and bool(getattr(image, "is_animated", False))
            check_pixels(image.width, image.height)  # a GIF frame past the first may have grown the canvas
            thumbnail = _thumbnail(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except _DECODE_ERRORS:
        return None
    return MediaInfo(mime=mime, kind=FileKind.IMAGE, width=width, height=height, animated=animated,
                     thumbnail=thumbnail)


def check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()


def upright_size(image: Image.Image) -> tuple[int, int]:
    """The size the image is shown at: its EXIF orientation applied."""
    orientation = image.getexif().get(_ORIENTATION)
    return (image.height, image.width) if orientation in _TURNED else (image.width, image.height)


def thumbnail_of(image: Image.Image) -> Thumbnail:
    """A WebP no larger than ``THUMBNAIL_EDGE`` on its long side, upright, without metadata."""
    image.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.LANCZOS)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80, method=4)
    return Thumbnail(data=out.getvalue(), mime=THUMBNAIL_MIME, width=image.width, height=image.height)


def _thumbnail(image: Image.Image) -> Thumbnail | None:
    image.seek(0)  # an animation's first frame
    image.draft("RGB", (THUMBNAIL_EDGE * 2, THUMBNAIL_EDGE * 2))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
    upright = ImageOps.exif_transpose(image)
    try:
        return thumbnail_of(upright)
    except (ValueError, OSError):  # an unusual mode (16-bit grey, floats) WebP cannot take: no thumbnail
        return None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La") or (image.mode == "P" and "transparency" in image.info)


def _too_many_pixels() -> MediaRefused:
    return MediaRefused(f"The image has more than {MAX_PIXELS:,} pixels.", limit=MAX_PIXELS)
