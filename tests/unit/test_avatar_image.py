"""What an uploaded avatar becomes: an upright, centred 256 px WebP square without metadata, or a
refusal with a stable code before any oversized canvas is decoded."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from axon.domain.errors import ImageTooLarge, ValidationFailed
from axon.services.avatar_image import AVATAR_PIXELS, MAX_UPLOAD_BYTES, normalise_avatar


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_wide_photo_becomes_its_centre_square_without_exif() -> None:
    photo = Image.new("RGB", (300, 100), (0, 0, 255))
    photo.paste((255, 0, 0), (100, 0, 200, 100))  # the centre third is red
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    stored = decode(normalise_avatar(encode(photo, "JPEG", exif=exif.tobytes())))
    assert stored.format == "WEBP" and stored.size == (AVATAR_PIXELS, AVATAR_PIXELS)
    assert not stored.getexif() and "exif" not in stored.info
    red, green, blue = stored.convert("RGB").getpixel((128, 128))
    assert red > 200 and blue < 60


def test_the_exif_orientation_is_applied_before_cropping() -> None:
    tall = Image.new("RGB", (100, 300), (0, 255, 0))
    tall.paste((255, 0, 0), (0, 0, 100, 100))  # red on top
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    shown = decode(normalise_avatar(encode(tall, "JPEG", exif=exif.tobytes())))
    assert shown.size == (AVATAR_PIXELS, AVATAR_PIXELS)  # cropped from the rotated, wide picture


def test_transparency_survives_and_an_animation_keeps_its_first_frame() -> None:
    clear = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    assert decode(normalise_avatar(encode(clear, "PNG"))).convert("RGBA").getpixel((10, 10))[3] == 0
    frames = [Image.new("RGB", (40, 40), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    red, _, blue = decode(normalise_avatar(gif)).convert("RGB").getpixel((20, 20))
    assert red > 200 and blue < 60


SMALL = Image.new("RGB", (8, 8))


@pytest.mark.parametrize("data", [b"", b"hello", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                                  encode(SMALL, "BMP"), encode(SMALL, "PNG")[:40]])
def test_anything_but_a_whole_png_jpeg_webp_or_gif_is_invalid_image(data: bytes) -> None:
    with pytest.raises(ValidationFailed) as refused:
        normalise_avatar(data)
    assert refused.value.code == "invalid_image" and refused.value.status == 400


def test_too_many_bytes_or_pixels_is_image_too_large() -> None:
    with pytest.raises(ImageTooLarge) as big:
        normalise_avatar(b"\x89PNG" + b"0" * MAX_UPLOAD_BYTES)
    assert big.value.status == 413 and big.value.code == "image_too_large"
    bomb = encode(Image.new("1", (9000, 9000)), "PNG", optimize=True)
    assert len(bomb) < 100_000  # small on the wire, 81 million pixels once decoded
    with pytest.raises(ImageTooLarge):
        normalise_avatar(bomb)
