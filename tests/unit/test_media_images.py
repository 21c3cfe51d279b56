"""Images: upright size, thumbnails, animation, the pixel limit and the GPS position removed losslessly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from axon.domain.media import FileKind, MediaRefused
from axon.media import MediaProbe
from axon.media.images import MAX_PIXELS, THUMBNAIL_EDGE

from .media_samples import animated_gif, gradient, photo_exif, png_bomb, save_image, xmp_with_gps

probe = MediaProbe()


def _exif(path: Path) -> Image.Exif:
    with Image.open(path) as image:
        return image.getexif()


def _pixels(path: Path) -> bytes:
    with Image.open(path) as image:
        return image.tobytes()


def _after_start_of_scan(data: bytes) -> bytes:
    return data[data.index(b"\xff\xda"):]


def test_a_turned_photo_is_measured_and_thumbnailed_upright(tmp_path: Path) -> None:
    photo = save_image(tmp_path / "p.jpg", gradient(1600, 1200), "JPEG", exif=photo_exif(orientation=6))
    info = probe.analyse(photo, "p.jpg", voice=False)
    assert (info.mime, info.kind, info.width, info.height, info.animated) == ("image/jpeg", FileKind.IMAGE, 1200, 1600,
                                                                              False)
    assert info.thumbnail is not None and info.thumbnail.mime == "image/webp"
    assert (info.thumbnail.width, info.thumbnail.height) == (540, THUMBNAIL_EDGE)
    with Image.open(io.BytesIO(info.thumbnail.data)) as thumbnail:
        assert thumbnail.format == "WEBP" and thumbnail.size == (540, THUMBNAIL_EDGE)
        assert not thumbnail.getexif()  # the thumbnail carries no metadata


def test_the_gps_position_goes_and_every_pixel_and_other_tag_stays(tmp_path: Path) -> None:
    photo = save_image(tmp_path / "p.jpg", gradient(64, 48), "JPEG", exif=photo_exif(orientation=6), quality=90)
    assert ExifTags.IFD.GPSInfo in _exif(photo)
    info = probe.analyse(photo, "p.jpg", voice=False)
    assert info.cleaned is not None and info.cleaned.parent == tmp_path
    exif = _exif(info.cleaned)
    assert ExifTags.IFD.GPSInfo not in exif and not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert exif[ExifTags.Base.Orientation] == 6 and exif[ExifTags.Base.Make] == "AxonCam"
    assert b"AxonCam" in info.cleaned.read_bytes() and b"GPS" not in info.cleaned.read_bytes()
    # Lossless: the compressed image data is the same bytes, so the decoded pixels are the same too.
    assert _after_start_of_scan(info.cleaned.read_bytes()) == _after_start_of_scan(photo.read_bytes())
    assert _pixels(info.cleaned) == _pixels(photo)


def test_a_position_in_xmp_goes_too(tmp_path: Path) -> None:
    photo = save_image(tmp_path / "p.jpg", gradient(32, 32), "JPEG", exif=photo_exif(gps=False), xmp=xmp_with_gps())
    info = probe.analyse(photo, "p.jpg", voice=False)
    assert info.cleaned is not None and b"GPSLatitude" not in info.cleaned.read_bytes()
    assert _pixels(info.cleaned) == _pixels(photo)


def test_a_photo_without_position_is_stored_as_it_came(tmp_path: Path) -> None:
    photo = save_image(tmp_path / "p.jpg", gradient(32, 32), "JPEG", exif=photo_exif(gps=False))
    assert probe.analyse(photo, "p.jpg", voice=False).cleaned is None


def test_stripping_can_be_switched_off(tmp_path: Path) -> None:
    photo = save_image(tmp_path / "p.jpg", gradient(32, 32), "JPEG", exif=photo_exif())
    assert MediaProbe(strip_gps=False).analyse(photo, "p.jpg", voice=False).cleaned is None


@pytest.mark.parametrize("fmt, mime", [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_lose_their_position_without_losing_a_pixel(tmp_path: Path, fmt: str, mime: str) -> None:
    options = {"lossless": True} if fmt == "WEBP" else {}
    path = save_image(tmp_path / "i", gradient(50, 30), fmt, exif=photo_exif(orientation=8), **options)
    info = probe.analyse(path, "i", voice=False)
    assert (info.mime, info.width, info.height) == (mime, 30, 50)
    assert info.cleaned is not None
    exif = _exif(info.cleaned)
    assert ExifTags.IFD.GPSInfo not in exif and exif[ExifTags.Base.Orientation] == 8
    assert _pixels(info.cleaned) == _pixels(path)


def test_an_animated_gif_is_marked_and_its_thumbnail_is_the_first_frame(tmp_path: Path) -> None:
    info = probe.analyse(animated_gif(tmp_path / "a.gif"), "a.gif", voice=False)
    assert (info.mime, info.kind, info.animated, info.width, info.height) == ("image/gif", FileKind.IMAGE, True, 30, 20)
    assert info.thumbnail is not None
    with Image.open(io.BytesIO(info.thumbnail.data)) as thumbnail:
        assert not getattr(thumbnail, "is_animated", False)
        assert thumbnail.convert("RGB").getpixel((5, 5))[0] < 8  # the first frame's colour (0, 40, 200)


def test_an_animated_webp_is_marked(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (20, 20), (i * 100, 0, 0)) for i in range(3)]
    frames[0].save(tmp_path / "a.webp", "WEBP", save_all=True, append_images=frames[1:], duration=50)
    assert probe.analyse(tmp_path / "a.webp", "a.webp", voice=False).animated


def test_a_still_png_is_not_animated(tmp_path: Path) -> None:
    path = save_image(tmp_path / "s.png", gradient(20, 10), "PNG")
    info = probe.analyse(path, "s.png", voice=False)
    assert (info.kind, info.animated, info.width, info.height, info.cleaned) == (FileKind.IMAGE, False, 20, 10, None)


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 200
    with pytest.raises(MediaRefused) as refused:
        probe.analyse(bomb, "bomb.png", voice=False)
    assert refused.value.code == "media_refused" and refused.value.details == {"limit": MAX_PIXELS}


def test_just_under_the_limit_is_not_a_bomb(tmp_path: Path) -> None:
    # 7,000 x 7,000 declared: allowed by the limit; the broken data then makes it a plain file, not an error.
    info = probe.analyse(png_bomb(tmp_path / "big.png", 7_000, 7_000), "big.png", voice=False)
    assert (info.mime, info.kind) == ("image/png", FileKind.FILE)


def test_a_truncated_jpeg_is_a_file_not_an_error(tmp_path: Path) -> None:
    whole = save_image(tmp_path / "w.jpg", gradient(64, 64), "JPEG").read_bytes()
    (tmp_path / "t.jpg").write_bytes(whole[:300])
    info = probe.analyse(tmp_path / "t.jpg", "t.jpg", voice=False)
    assert info.mime == "image/jpeg" and info.kind in (FileKind.FILE, FileKind.IMAGE)
