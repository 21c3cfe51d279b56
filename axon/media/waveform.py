"""An audio stream's waveform: ``WAVEFORM_BARS`` peaks, each 0..255, decoded as a stream.

The audio is decoded packet by packet, downmixed to mono 16-bit at ``RATE`` Hz by FFmpeg's
resampler, and the peak of each short window is kept. The windows double in length (neighbouring
peaks merged) whenever ``MAX_WINDOWS`` would be passed, so memory stays flat for any length and the
total need not be known in advance (a browser's MediaRecorder writes WebM without a duration). At
the end the windows are grouped into the bars, and the bars scaled so the loudest is 255: a quiet
recording still shows its shape (but near-silence, under ``QUIET``, stays low instead of becoming noise
at full height). The decoded sample count gives the exact duration as a by-product.

Bounded time: longer than ``SAMPLED_AFTER_MS`` (when the container says so), the stream is not
decoded whole: each bar is the peak of ``SAMPLE_MS`` decoded after a seek to the bar's middle.
A full decode that passes ``DECODE_BUDGET_S`` stops and gives no waveform. A stream damaged after
some audio decoded gives the waveform and duration of the part before the damage.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import av
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.container import InputContainer

from ..domain.media import WAVEFORM_BARS

RATE = 16_000  # samples per second after resampling: enough to see peaks, a third of the work of 48 kHz
FIRST_WINDOW = RATE // 100  # 10 ms
MAX_WINDOWS = 4096
SAMPLED_AFTER_MS = 15 * 60 * 1000
SAMPLE_MS = 250
DECODE_BUDGET_S = 30.0
QUIET = 1_000  # about -30 dBFS: a recording quieter than that is drawn low, not blown up to full height


@dataclass(frozen=True, slots=True)
class Decoded:
    waveform: tuple[int, ...] | None
    duration_ms: int | None  # from the samples decoded, when the whole stream was


@dataclass(slots=True)
class PeakWindows:
    """Peaks of consecutive windows of samples, the window doubled whenever there are too many."""

    window: int = FIRST_WINDOW
    peaks: list[int] = field(default_factory=list)
    current: int = 0
    filled: int = 0
    samples: int = 0

    def add(self, samples: memoryview) -> None:
        self.samples += len(samples)
        start = 0
        while start < len(samples):
            take = min(self.window - self.filled, len(samples) - start)
            chunk = samples[start:start + take]
            self.current = max(self.current, max(chunk), -min(chunk))
            self.filled += take
            start += take
            if self.filled >= self.window:
                self._close_window()

    def bars(self) -> tuple[int, ...]:
        if self.filled:
            self._close_window()
        return scale(group(self.peaks, WAVEFORM_BARS))

    def _close_window(self) -> None:
        self.peaks.append(self.current)
        self.current = self.filled = 0
        if len(self.peaks) >= MAX_WINDOWS:
            pairs = self.peaks
            self.peaks = [max(pairs[i:i + 2]) for i in range(0, len(pairs), 2)]
            self.window *= 2


def group(peaks: list[int], bars: int) -> list[int]:
    """``bars`` values, each the highest of its share of ``peaks`` (repeated when there are fewer)."""
    if not peaks:
        return [0] * bars
    count = len(peaks)
    return [max(peaks[i * count // bars:max((i + 1) * count // bars, i * count // bars + 1)]) for i in range(bars)]


def scale(peaks: list[int]) -> tuple[int, ...]:
    """0..255, the loudest peak at 255, unless the whole recording is quieter than ``QUIET``."""
    loudest = max(*peaks, QUIET)
    return tuple(min(255, round(peak * 255 / loudest)) for peak in peaks)


def decode_waveform(container: InputContainer, stream: AudioStream, known_ms: int | None) -> Decoded:
    if known_ms is not None and known_ms > SAMPLED_AFTER_MS:
        return Decoded(_sampled(container, stream, known_ms), None)
    windows = PeakWindows()
    deadline = time.monotonic() + DECODE_BUDGET_S
    try:
        for samples in _mono(container.decode(stream)):
            windows.add(samples)
            if time.monotonic() > deadline:
                return Decoded(None, None)
    except av.FFmpegError:
        if not windows.samples:
            raise
        # Damaged past some point: what played until there is what a browser will play too.
    return Decoded(windows.bars(), windows.samples * 1000 // RATE)


def _sampled(container: InputContainer, stream: AudioStream, duration_ms: int) -> tuple[int, ...] | None:
    if stream.time_base is None:
        return None
    peaks = []
    for bar in range(WAVEFORM_BARS):
        middle_ms = duration_ms * (2 * bar + 1) // (2 * WAVEFORM_BARS)
        container.seek(int(middle_ms / 1000 / stream.time_base), stream=stream)
        windows = PeakWindows(window=RATE)  # one window: the sample's peak
        for samples in _mono(container.decode(stream)):
            windows.add(samples)
            if windows.samples >= RATE * SAMPLE_MS // 1000:
                break
        peaks.append(max([*windows.peaks, windows.current]))
    return scale(peaks)


def _mono(frames: Iterable[AudioFrame]) -> Iterator[memoryview]:
    """The frames as mono signed 16-bit samples at ``RATE``, flushed at the end."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    for frame in frames:
        frame.pts = None  # the resampler keeps its own timeline; a seek must not confuse it
        yield from _samples(resampler.resample(frame))
    yield from _samples(resampler.resample(None))


def _samples(frames: list[AudioFrame]) -> Iterator[memoryview]:
    for frame in frames:
        if frame.samples:
            yield memoryview(frame.planes[0])[:frame.samples * 2].cast("h")
