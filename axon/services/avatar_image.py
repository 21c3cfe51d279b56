"""What an uploaded avatar becomes: a small square WebP the server made itself.

The upload is never stored or served as sent. It is decoded (PNG, JPEG, WebP or GIF only),
checked against a byte and a pixel limit before its pixels are decoded (a small file can
declare a huge canvas), turned upright by its EXIF orientation, cropped to its centre square,
scaled to ``AVATAR_PIXELS`` and re-encoded, which drops EXIF and every other metadata.
Clients crop in the browser first, so the centre crop only matters for other uploaders.
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from ..domain.errors import ImageTooLarge, ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000  # e.g. 8000 x 5000; decoding more is a memory attack, not a photo
AVATAR_PIXELS = 256
CONTENT_TYPE = "image/webp"
_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")


def check_upload_size(size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise ImageTooLarge(f"An avatar may be at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.",
                            limit=MAX_UPLOAD_BYTES)


def normalise_avatar(data: bytes) -> bytes:
    """The stored avatar for an upload; raises ``ValidationFailed`` (invalid_image) or ``ImageTooLarge``."""
    check_upload_size(len(data))
    try:
        with Image.open(io.BytesIO(data), formats=_FORMATS) as source:
            if source.width * source.height > MAX_SOURCE_PIXELS:
                raise ImageTooLarge("The image has too many pixels for an avatar.", limit=MAX_SOURCE_PIXELS)
            return _square_webp(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge("The image has too many pixels for an avatar.", limit=MAX_SOURCE_PIXELS) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValidationFailed("The upload is not a PNG, JPEG, WebP or GIF image.", code="invalid_image") from exc


def _square_webp(source: Image.Image) -> bytes:
    source.seek(0)  # the first frame of an animation
    upright = ImageOps.exif_transpose(source)
    image = upright.convert("RGBA" if _has_alpha(upright) else "RGB")
    square = ImageOps.fit(image, (AVATAR_PIXELS, AVATAR_PIXELS), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
