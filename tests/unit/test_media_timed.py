"""Audio, voice and video: duration, waveform, dimensions and poster frame, from files PyAV encodes here."""

from __future__ import annotations

import io
import math
import struct
from pathlib import Path

import av
import pytest
from PIL import Image

from axon.domain.media import WAVEFORM_BARS, FileKind, MediaRefused
from axon.media import MediaProbe, waveform

from .media_samples import audio, encode_audio, gradient, save_image, video

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


def test_a_recording_without_a_stated_duration_is_measured_by_decoding(tmp_path: Path) -> None:
    # A browser's MediaRecorder writes WebM as a live stream: no duration in the header.
    path = audio(tmp_path / "live.webm", "webm", "libopus", seconds=1.5, live=True)
    with av.open(str(path)) as container:
        assert container.duration is None and container.streams.audio[0].duration is None
    info = probe.analyse(path, "live.webm", voice=True)
    assert info.kind == FileKind.VOICE and info.duration_ms is not None and abs(info.duration_ms - 1500) <= 60


def test_a_long_recording_is_sampled_and_still_follows_the_sound(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(waveform, "SAMPLED_AFTER_MS", 1_000)  # so a 4 s file counts as long
    path = audio(tmp_path / "talk.ogg", "ogg", "libopus", seconds=4.0, loud_after=2.0)
    info = probe.analyse(path, "talk.ogg", voice=False)
    assert info.kind == FileKind.AUDIO and info.duration_ms is not None and abs(info.duration_ms - 4000) <= 60
    assert info.waveform is not None and len(info.waveform) == WAVEFORM_BARS
    assert max(info.waveform[2:WAVEFORM_BARS // 2 - 2]) < 60 and min(info.waveform[WAVEFORM_BARS // 2 + 2:]) > 200


def test_a_decode_over_its_time_budget_gives_no_waveform_but_the_stated_duration(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(waveform, "DECODE_BUDGET_S", -1.0)
    info = probe.analyse(audio(tmp_path / "v.ogg", "ogg", "libopus"), "v.ogg", voice=True)
    assert (info.kind, info.waveform) == (FileKind.VOICE, None)
    assert info.duration_ms is not None and abs(info.duration_ms - 2000) <= 60


def test_a_whisper_is_drawn_low_not_blown_up(tmp_path: Path) -> None:
    path = tmp_path / "hiss.wav"
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=8_000, layout="mono")
        hiss = [round(200 * math.sin(2 * math.pi * 440 * i / 8_000)) for i in range(800)]  # about -44 dBFS
        encode_audio(container, stream, [struct.pack("<800h", *hiss)] * 10, 8_000)
    info = probe.analyse(path, "hiss.wav", voice=True)
    assert info.waveform is not None and max(info.waveform) <= 60


def test_silence_is_a_flat_waveform(tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=8_000, layout="mono")
        encode_audio(container, stream, [b"\x00\x00" * 800] * 10, 8_000)
    info = probe.analyse(path, "silence.wav", voice=True)
    assert info.waveform == (0,) * WAVEFORM_BARS and info.duration_ms == 1000


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


def test_a_phone_video_is_measured_and_postered_upright(tmp_path: Path) -> None:
    # Recorded in landscape pixels, to be shown turned a quarter counter-clockwise (the container says so).
    path = video(tmp_path / "phone.mp4", "mp4", "libx264", size=(64, 48), rotation=90)
    info = probe.analyse(path, "phone.mp4", voice=False)
    assert (info.width, info.height) == (48, 64)
    assert info.thumbnail is not None and (info.thumbnail.width, info.thumbnail.height) == (48, 64)
    with Image.open(io.BytesIO(info.thumbnail.data)) as poster:
        top, bottom = poster.convert("RGB").getpixel((24, 2)), poster.convert("RGB").getpixel((24, 61))
    assert top[0] > 180 and bottom[0] < 60  # the frame's red right edge is now at the top


def test_a_live_video_without_a_stated_duration_is_measured_from_its_packets(tmp_path: Path) -> None:
    path = video(tmp_path / "cam.webm", "webm", "libvpx", frames=15, live=True)
    with av.open(str(path)) as container:
        assert container.duration is None
    info = probe.analyse(path, "cam.webm", voice=False)
    assert info.kind == FileKind.VIDEO and info.duration_ms is not None and abs(info.duration_ms - 1500) <= 120


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


def test_a_recording_cut_short_is_the_part_that_arrived(tmp_path: Path) -> None:
    whole = audio(tmp_path / "v.webm", "webm", "libopus", seconds=2.0, live=True).read_bytes()
    (tmp_path / "cut.webm").write_bytes(whole[:len(whole) // 2])
    info = probe.analyse(tmp_path / "cut.webm", "cut.webm", voice=True)
    assert info.kind == FileKind.VOICE and info.waveform is not None
    assert info.duration_ms is not None and 700 <= info.duration_ms <= 1300


def test_damage_in_the_middle_keeps_what_came_before(tmp_path: Path) -> None:
    whole = bytearray(audio(tmp_path / "v.ogg", "ogg", "libopus", seconds=2.0).read_bytes())
    middle = len(whole) // 2
    whole[middle:middle + 400] = bytes(range(200)) * 2
    (tmp_path / "damaged.ogg").write_bytes(bytes(whole))
    info = probe.analyse(tmp_path / "damaged.ogg", "damaged.ogg", voice=True)
    assert info.kind == FileKind.VOICE and info.waveform is not None and info.duration_ms is not None


def test_media_that_fails_to_decode_is_a_file_or_refused_as_voice(tmp_path: Path) -> None:
    whole = audio(tmp_path / "v.ogg", "ogg", "libopus").read_bytes()
    broken = tmp_path / "broken.ogg"
    broken.write_bytes(whole[:64] + bytes(range(256)) * 8)  # the Ogg header, then garbage
    info = probe.analyse(broken, "broken.ogg", voice=False)
    assert info.kind == FileKind.FILE
    with pytest.raises(MediaRefused):
        probe.analyse(broken, "broken.ogg", voice=True)
