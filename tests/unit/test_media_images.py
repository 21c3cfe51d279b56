"""Images: upright size, thumbnails, animation, the pixel limit and the GPS position removed losslessly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from axon.domain.media import FileKind, MediaRefused
from axon.media import MediaProbe
from axon.media.images import MAX_PIXELS, THUMBNAIL_EDGE

from .media_samples import animated_gif, gradient, jpeg_bytes, photo_exif, png_bomb, save_image, xmp_with_gps

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
        top, bottom = thumbnail.convert("RGB").getpixel((270, 5)), thumbnail.convert("RGB").getpixel((270, 714))
    assert top[0] < 60 and bottom[0] > 190  # orientation 6: the stored left edge (dark red) shown on top


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


def test_a_png_with_exif_as_a_text_profile_loses_it(tmp_path: Path) -> None:
    from PIL import PngImagePlugin

    text = PngImagePlugin.PngInfo()
    raw = photo_exif().tobytes()  # Exif\0\0 and the TIFF structure, GPS included, written as hex text
    text.add_text("Raw profile type exif", f"\nexif\n{len(raw):8d}\n{raw.hex()}\n", zip=True)
    text.add_text("Comment", "kept")
    path = save_image(tmp_path / "p.png", gradient(20, 20), "PNG", pnginfo=text)
    info = probe.analyse(path, "p.png", voice=False)
    assert info.cleaned is not None
    with Image.open(info.cleaned) as cleaned:
        assert "Raw profile type exif" not in cleaned.info and cleaned.info["Comment"] == "kept"
    assert _pixels(info.cleaned) == _pixels(path)


def test_fill_bytes_before_a_jpeg_marker_are_understood(tmp_path: Path) -> None:
    data = jpeg_bytes(gradient(32, 32), exif=photo_exif())
    (tmp_path / "f.jpg").write_bytes(data[:2] + b"\xff\xff" + data[2:])  # FF FF FF E1: fill, then APP1
    info = probe.analyse(tmp_path / "f.jpg", "f.jpg", voice=False)
    assert info.cleaned is not None and ExifTags.IFD.GPSInfo not in _exif(info.cleaned)
    assert _pixels(info.cleaned) == _pixels(tmp_path / "f.jpg")


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


def test_an_animated_png_is_marked(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (20, 20), (0, i * 100, 0)) for i in range(3)]
    frames[0].save(tmp_path / "a.png", "PNG", save_all=True, append_images=frames[1:], duration=50)
    info = probe.analyse(tmp_path / "a.png", "a.png", voice=False)
    assert (info.mime, info.animated) == ("image/png", True)


def test_the_other_images_of_an_mpo_go_with_their_position(tmp_path: Path) -> None:
    # A phone's multi-picture JPEG: the second image (a depth map, a preview) has its own EXIF.
    primary, depth = gradient(40, 30), Image.new("RGB", (40, 30), "blue")
    primary.save(tmp_path / "p.jpg", "MPO", save_all=True, append_images=[depth], exif=photo_exif(gps=False))
    photo = tmp_path / "p.jpg"
    assert photo.read_bytes().count(b"\xff\xd8") >= 2
    info = probe.analyse(photo, "p.jpg", voice=False)
    assert (info.mime, info.animated, info.width) == ("image/jpeg", False, 40)
    assert info.cleaned is not None
    with Image.open(info.cleaned) as cleaned:
        assert cleaned.format == "JPEG" and getattr(cleaned, "n_frames", 1) == 1
    assert _pixels(info.cleaned) == _pixels(photo)


def test_a_motion_photo_loses_the_video_appended_to_it(tmp_path: Path) -> None:
    photo = save_image(tmp_path / "p.jpg", gradient(32, 32), "JPEG", exif=photo_exif(gps=False))
    with photo.open("ab") as appended:
        appended.write(b"\x00\x00\x00\x18ftypmp42 a video that knows where it was filmed")
    info = probe.analyse(photo, "p.jpg", voice=False)
    assert info.cleaned is not None and info.cleaned.read_bytes().endswith(b"\xff\xd9")
    assert _pixels(info.cleaned) == _pixels(photo)


def test_a_progressive_jpeg_is_copied_whole(tmp_path: Path) -> None:
    # Several scans with tables between them: the copy must pass over each marker segment.
    photo = save_image(tmp_path / "p.jpg", gradient(300, 200), "JPEG", exif=photo_exif(), progressive=True,
                       restart_marker_blocks=1)
    info = probe.analyse(photo, "p.jpg", voice=False)
    assert info.cleaned is not None
    assert _after_start_of_scan(info.cleaned.read_bytes()) == _after_start_of_scan(photo.read_bytes())


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


def test_a_truncated_jpeg_is_a_file_and_still_loses_its_position(tmp_path: Path) -> None:
    whole = jpeg_bytes(gradient(64, 64), exif=photo_exif())
    (tmp_path / "t.jpg").write_bytes(whole[:len(whole) - 200])
    info = probe.analyse(tmp_path / "t.jpg", "t.jpg", voice=False)
    assert (info.mime, info.kind, info.thumbnail) == ("image/jpeg", FileKind.FILE, None)
    assert info.cleaned is not None and b"GPS" not in info.cleaned.read_bytes()
    assert _after_start_of_scan(info.cleaned.read_bytes()) == _after_start_of_scan(whole[:len(whole) - 200])


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # Pillow's complaint when it reads the photo
def test_exif_nobody_can_read_is_dropped_whole(tmp_path: Path) -> None:
    corrupt = b"Exif\x00\x00II*\x00\xff\xff\xff\x7f" + b"GPS?" * 8  # its first directory points past the end
    data = jpeg_bytes(gradient(32, 32))
    segment = b"\xff\xe1" + (len(corrupt) + 2).to_bytes(2, "big") + corrupt
    (tmp_path / "c.jpg").write_bytes(data[:2] + segment + data[2:])
    info = probe.analyse(tmp_path / "c.jpg", "c.jpg", voice=False)
    assert info.kind == FileKind.IMAGE and info.cleaned is not None
    assert b"GPS?" not in info.cleaned.read_bytes() and _pixels(info.cleaned) == _pixels(tmp_path / "c.jpg")


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_webp_whose_exif_goes_whole_no_longer_announces_it(tmp_path: Path) -> None:
    path = save_image(tmp_path / "w.webp", gradient(16, 16), "WEBP", lossless=True, exif=b"Exif\x00\x00II*\x00junk")
    info = probe.analyse(path, "w.webp", voice=False)
    assert info.cleaned is not None
    data = info.cleaned.read_bytes()
    assert b"EXIF" not in data and data[12:16] == b"VP8X" and not data[20] & 0x08
    assert int.from_bytes(data[4:8], "little") == len(data) - 8
    assert _pixels(info.cleaned) == _pixels(path)
