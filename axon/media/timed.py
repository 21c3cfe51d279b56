"""Audio and video (FFmpeg through PyAV): duration, dimensions, a poster frame, an audio waveform.

FFmpeg is only ever given a demuxer chosen from the sniffed type (``DEMUXERS``), never left to
probe: some of its demuxers (HLS playlists, ``concat``) open other files or URLs named in the
content, which an upload must not make the server do. A container whose only streams are audio is
audio (``video/webm`` from a voice recorder, ``video/mp4`` holding AAC); an MP3's cover picture does
not make it a video.
"""

from __future__ import annotations

import time
from pathlib import Path

import av
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.video.stream import VideoStream

from ..domain.media import FileKind, MediaInfo, Thumbnail
from .images import MAX_PIXELS, thumbnail_of
from .waveform import decode_waveform

DEMUXERS = {
    "video/webm": "matroska", "audio/webm": "matroska",
    "video/x-matroska": "matroska", "audio/x-matroska": "matroska",
    "audio/ogg": "ogg", "video/ogg": "ogg", "application/ogg": "ogg", "audio/opus": "ogg",
    "video/mp4": "mov", "audio/mp4": "mov", "video/quicktime": "mov", "video/3gpp": "mov", "audio/3gpp": "mov",
    "video/x-m4v": "mov",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/flac": "flac",
    "audio/aac": "aac",
    "video/x-msvideo": "avi",
    "video/mp2t": "mpegts",
}
# The type of a container holding only audio, when the sniffed one says video (and back).
_AUDIO_ONLY = {"video/webm": "audio/webm", "video/mp4": "audio/mp4", "video/x-matroska": "audio/x-matroska",
               "video/ogg": "audio/ogg", "application/ogg": "audio/ogg", "video/3gpp": "audio/3gpp",
               "video/quicktime": "audio/mp4", "video/x-m4v": "audio/mp4"}
_WITH_VIDEO = {"audio/webm": "video/webm", "audio/mp4": "video/mp4", "audio/x-matroska": "video/x-matroska",
               "audio/ogg": "video/ogg", "application/ogg": "video/ogg", "audio/3gpp": "video/3gpp"}
POSTER_PACKETS = 500  # packets demuxed at most to find the first picture
DEMUX_BUDGET_S = 10.0  # at most this long reading packets to find a duration the container does not state
_ERRORS = (av.FFmpegError, ValueError, OSError, IndexError, ZeroDivisionError)


def analyse_timed(path: Path, mime: str, voice: bool) -> MediaInfo | None:
    """What an audio or video file holds; None when FFmpeg cannot read it as one (or, for a voice
    message, when it is not audio alone)."""
    demuxer = DEMUXERS.get(mime)
    if demuxer is None:
        return None
    try:
        with av.open(str(path), format=demuxer) as container:
            return _analyse(container, mime, voice)
    except _ERRORS:
        return None


def _analyse(container: InputContainer, mime: str, voice: bool) -> MediaInfo | None:
    video = next((s for s in container.streams.video if not _is_cover(s)), None)
    audio = next(iter(container.streams.audio), None)
    if video is not None:
        return None if voice else _video(container, video, _WITH_VIDEO.get(mime, mime))
    if audio is None:
        return None
    return _audio(container, audio, _AUDIO_ONLY.get(mime, mime), voice)


def _audio(container: InputContainer, stream: AudioStream, mime: str, voice: bool) -> MediaInfo | None:
    stated = stated_duration_ms(container, stream)
    decoded = decode_waveform(container, stream, stated)
    duration = decoded.duration_ms if decoded.duration_ms is not None else stated
    if decoded.waveform is None and duration is None:
        return None
    return MediaInfo(mime=mime, kind=FileKind.VOICE if voice else FileKind.AUDIO, duration_ms=duration,
                     waveform=decoded.waveform)


def _video(container: InputContainer, stream: VideoStream, mime: str) -> MediaInfo | None:
    if stream.codec_context.width * stream.codec_context.height > MAX_PIXELS:
        return None  # not a film anyone shot (8K is 33 megapixels): not decoded, a plain file
    duration = stated_duration_ms(container, stream)
    poster = _first_frame(container, stream)
    if poster is None:
        return None
    frame, thumbnail = poster
    width, height = (frame.height, frame.width) if frame.rotation % 180 else (frame.width, frame.height)
    if duration is None:
        duration = _demuxed_duration_ms(container, stream)
    return MediaInfo(mime=mime, kind=FileKind.VIDEO, width=width, height=height, duration_ms=duration,
                     thumbnail=thumbnail)


def stated_duration_ms(container: InputContainer, stream: AudioStream | VideoStream) -> int | None:
    if stream.duration is not None and stream.time_base is not None:
        return int(stream.duration * stream.time_base * 1000)
    if container.duration is not None:
        return container.duration * 1000 // av.time_base
    return None


def _first_frame(container: InputContainer, stream: VideoStream) -> tuple[av.VideoFrame, Thumbnail | None] | None:
    for count, packet in enumerate(container.demux(stream)):
        if count >= POSTER_PACKETS:
            return None
        for frame in packet.decode():
            return frame, _poster(frame)
    return None


def _poster(frame: av.VideoFrame) -> Thumbnail | None:
    if frame.width * frame.height > MAX_PIXELS:  # the stream's size changed at its first frame
        return None
    image = frame.to_image()  # type: ignore[no-untyped-call]  # PyAV leaves it unannotated
    if frame.rotation % 360:
        image = image.rotate(frame.rotation, expand=True)  # counter-clockwise degrees, as FFmpeg states them
    return thumbnail_of(image)


def _demuxed_duration_ms(container: InputContainer, stream: VideoStream) -> int | None:
    """The end of the last packet, for containers that do not state their duration (a recording
    written as a live stream); None when reading the packets takes too long or fails."""
    if stream.time_base is None:
        return None
    end = None
    deadline = time.monotonic() + DEMUX_BUDGET_S
    try:
        container.seek(0)
        for packet in container.demux(stream):
            if packet.pts is not None:
                end = max(end or 0, packet.pts + (packet.duration or 0))
            if time.monotonic() > deadline:
                return None
    except _ERRORS:
        return None
    return None if end is None else int((end - (stream.start_time or 0)) * stream.time_base * 1000)


def _is_cover(stream: VideoStream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)
