"""The settings a session obeys, taken from ``axon.config.Settings`` once per node."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings


@dataclass(frozen=True, slots=True)
class SessionLimits:
    hello_timeout: float  # seconds a new socket has to send hello
    outbound_queue: int  # frames queued before the session is closed as a slow consumer
    max_frame_bytes: int
    frame_rate: float  # frames per second, token bucket
    frame_burst: float
    resume_limit: int  # default events replayed per conversation
    heartbeat_interval: float  # announced in welcome
    heartbeat_timeout: float
    max_text_bytes: int

    @classmethod
    def from_settings(cls, s: Settings) -> SessionLimits:
        return cls(s.hello_timeout, s.outbound_queue, s.max_frame_bytes, s.frame_rate, s.frame_burst, s.resume_limit,
                   s.heartbeat_interval, s.heartbeat_timeout, s.max_text_bytes)
