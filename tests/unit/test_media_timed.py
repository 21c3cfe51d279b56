"""Audio, voice and video: duration, waveform, dimensions and poster frame, from files PyAV encodes here."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from axon.domain.media import WAVEFORM_BARS, FileKind, MediaRefused
from axon.media import MediaProbe

from .media_samples import audio, gradient, save_image, video

probe = MediaProbe()

VOICE_FORMATS = [  # (file name, container, codec, sniffed type)
    ("voice.webm", "webm", "libopus", "audio/webm"),
    ("voice.ogg", "ogg", "libopus", "audio/ogg"),
    ("voice.m4a", "ipod", "aac", "audio/mp4"),
    ("voice.mp3", "mp3", "libmp3lame", "audio/mpeg"),
    ("voice.wav", "wav", "pcm_s16le", "audio/wav"),
]


@pytest.mark.parametrize("name, fmt, codec, mime", VOICE_FORMATS)
def test_a_voice_message_has_its_duration_and_waveform(tmp_path: Path, name: str, fmt: str, codec: str,
                                                       mime: str) -> None:
    path = audio(tmp_path / name, fmt, codec, seconds=2.0, loud_after=1.0)
    info = probe.analyse(path, name, voice=True)
    assert (info.mime, info.kind, info.width, info.thumbnail) == (mime, FileKind.VOICE, None, None)
    assert info.duration_ms is not None and abs(info.duration_ms - 2000) <= 60
    assert info.waveform is not None and len(info.waveform) == WAVEFORM_BARS
    assert all(0 <= bar <= 255 for bar in info.waveform) and max(info.waveform) == 255
    quiet, loud = info.waveform[4:WAVEFORM_BARS // 2 - 2], info.waveform[WAVEFORM_BARS // 2 + 2:]
    assert max(quiet) < 60 and min(loud) > 200  # the waveform follows the sound: quiet first, loud after


def test_the_same_audio_sent_as_a_file_is_audio(tmp_path: Path) -> None:
    info = probe.analyse(audio(tmp_path / "song.ogg", "ogg", "libopus"), "song.ogg", voice=False)
    assert (info.kind, info.mime) == (FileKind.AUDIO, "audio/ogg") and info.waveform is not None


def test_a_webm_without_a_stated_duration_is_measured_by_decoding(tmp_path: Path) -> None:
    # A browser's MediaRecorder writes WebM as a live stream: no duration in the header.
    path = tmp_path / "live.webm"
    import av

    with av.open(str(path), "w", format="webm", options={"live": "1"}) as container:
        from .media_samples import _encode_audio, tone

        stream = container.add_stream("libopus", rate=48_000, layout="mono")
        _encode_audio(container, stream, tone(1.5), 48_000)
    info = probe.analyse(path, "live.webm", voice=True)
    assert info.kind == FileKind.VOICE and info.duration_ms is not None and abs(info.duration_ms - 1500) <= 60


@pytest.mark.parametrize("name, fmt, codec, mime", [("clip.webm", "webm", "libvpx", "video/webm"),
                                                    ("clip.mp4", "mp4", "libx264", "video/mp4")])
def test_a_video_has_its_size_duration_and_a_poster_frame(tmp_path: Path, name: str, fmt: str, codec: str,
                                                          mime: str) -> None:
    path = video(tmp_path / name, fmt, codec, size=(96, 64), frames=20, with_audio=True)
    info = probe.analyse(path, name, voice=False)
    assert (info.mime, info.kind, info.width, info.height, info.waveform) == (mime, FileKind.VIDEO, 96, 64, None)
    assert info.duration_ms is not None and abs(info.duration_ms - 2000) <= 120
    assert info.thumbnail is not None and (info.thumbnail.width, info.thumbnail.height) == (96, 64)
    with Image.open(io.BytesIO(info.thumbnail.data)) as poster:
        assert poster.format == "WEBP" and poster.size == (96, 64)


def test_a_video_is_not_a_voice_message(tmp_path: Path) -> None:
    path = video(tmp_path / "clip.webm", "webm", "libvpx", with_audio=True)
    with pytest.raises(MediaRefused):
        probe.analyse(path, "clip.webm", voice=True)


@pytest.mark.parametrize("name", ["photo.webm", "notes.ogg"])
def test_a_voice_message_that_is_not_audio_is_refused(tmp_path: Path, name: str) -> None:
    path = save_image(tmp_path / name, gradient(20, 20), "PNG")  # named like audio, an image inside
    with pytest.raises(MediaRefused) as refused:
        probe.analyse(path, name, voice=True)
    assert refused.value.code == "media_refused"


def test_media_that_fails_to_decode_is_a_file_or_refused_as_voice(tmp_path: Path) -> None:
    whole = audio(tmp_path / "v.ogg", "ogg", "libopus").read_bytes()
    broken = tmp_path / "broken.ogg"
    broken.write_bytes(whole[:64] + bytes(range(256)) * 8)  # the Ogg header, then garbage
    info = probe.analyse(broken, "broken.ogg", voice=False)
    assert info.kind == FileKind.FILE
    with pytest.raises(MediaRefused):
        probe.analyse(broken, "broken.ogg", voice=True)
