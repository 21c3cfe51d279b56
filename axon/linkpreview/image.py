"""The preview's picture, re-encoded small by the server: readers get our copy (WebP, at most
``MAX_SIDE`` pixels a side), never the third-party original, so their browsers never contact the
linked site and no crafted image reaches them as it was sent."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps

from ..domain.link_preview import PreviewImage

MAX_SIDE = 600
MAX_PIXELS = 40_000_000  # a decompression bomb is refused from its header, before any pixel is decoded


def shrink(data: bytes) -> PreviewImage | None:
    """``data`` as a small WebP, or None when it is not an image Pillow reads safely."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS or not image.width or not image.height:
                    return None
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale
                small = ImageOps.exif_transpose(image)
                small.thumbnail((MAX_SIDE, MAX_SIDE))
                small = small.convert("RGBA" if _has_alpha(small) else "RGB")
                out = io.BytesIO()
                small.save(out, "WEBP", quality=80, method=4)
                return PreviewImage(out.getvalue(), "image/webp", small.width, small.height)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            EOFError):
        return None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
