"""Media files made by the tests themselves (Pillow, PyAV, by hand): nothing binary is checked in."""

from __future__ import annotations

import io
import math
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
from PIL import ExifTags, Image

GPS_POSITION = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
                ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (2.0, 21.0, 3.0)}


def gradient(width: int, height: int) -> Image.Image:
    """Red grows from left to right, green from top to bottom: every orientation looks different."""
    down = Image.linear_gradient("L")  # 256 x 256, black at the top
    across = down.transpose(Image.Transpose.ROTATE_90)  # black on the left
    return Image.merge("RGB", (across.resize((width, height)), down.resize((width, height)),
                               Image.new("L", (width, height), 128)))


def photo_exif(orientation: int = 1, gps: bool = True) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "AxonCam"
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS_POSITION)
    return exif


def save_image(path: Path, image: Image.Image, fmt: str, **options: object) -> Path:
    image.save(path, fmt, **options)
    return path


def xmp_with_gps() -> bytes:
    return (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.4N"/>'
            b"</rdf:RDF></x:xmpmeta>")


def animated_gif(path: Path, frames: int = 3) -> Path:
    images = [Image.new("RGB", (30, 20), (80 * index % 256, 40, 200)) for index in range(frames)]
    images[0].save(path, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return path


def png_bomb(path: Path, width: int = 100_000, height: int = 100_000) -> Path:
    """A valid PNG header declaring ``width`` x ``height`` pixels, a few dozen bytes on disk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
                     + chunk(b"IEND", b""))
    return path


def pdf(path: Path, pages: int = 2) -> Path:
    images = [gradient(60, 80) for _ in range(pages)]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return path


def tone(seconds: float, rate: int = 48_000, loud_after: float | None = None) -> list[bytes]:
    """Mono signed 16-bit frames of a 440 Hz tone: quiet, then loud after ``loud_after`` seconds."""
    frames, per_frame = [], 960
    total = int(seconds * rate)
    for start in range(0, total, per_frame):
        samples = []
        for i in range(start, min(start + per_frame, total)):
            amplitude = 30_000 if loud_after is not None and i >= loud_after * rate else 3_000
            samples.append(int(amplitude * math.sin(2 * math.pi * 440 * i / rate)))
        frames.append(struct.pack(f"<{len(samples)}h", *samples))
    return frames


def audio(path: Path, fmt: str, codec: str, seconds: float = 2.0, loud_after: float | None = None,
          rate: int = 48_000, live: bool = False) -> Path:
    with av.open(str(path), "w", format=fmt, options={"live": "1"} if live else {}) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        encode_audio(container, stream, tone(seconds, rate, loud_after), rate)
    return path


def encode_audio(container: av.container.OutputContainer, stream: av.audio.stream.AudioStream,
                  frames: list[bytes], rate: int) -> None:
    pts = 0
    for data in frames:
        samples = len(data) // 2
        frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
        frame.planes[0].update(data + b"\x00" * (frame.planes[0].buffer_size - len(data)))
        frame.sample_rate, frame.pts, frame.time_base = rate, pts, Fraction(1, rate)
        pts += samples
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)


def video(path: Path, fmt: str, codec: str, size: tuple[int, int] = (64, 48), frames: int = 10,
          with_audio: bool = False, rotation: int = 0, live: bool = False) -> Path:
    """``rotation``: the display rotation (counter-clockwise degrees) a phone records in the container;
    ``live``: a WebM written as a stream, without its duration (as a browser's MediaRecorder does)."""
    with av.open(str(path), "w", format=fmt, options={"live": "1"} if live else {}) as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        sound = container.add_stream("libopus" if fmt == "webm" else "aac", rate=48_000, layout="mono") \
            if with_audio else None
        for index in range(frames):
            frame = av.VideoFrame.from_image(gradient(*size).rotate(index * 10))
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
        if sound is not None:
            encode_audio(container, sound, tone(frames / 10), 48_000)
    return path


def jpeg_bytes(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()
