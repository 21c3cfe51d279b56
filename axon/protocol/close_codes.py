"""WebSocket close codes of the protocol (``docs/protocol.md``), shared by the server and the SDK."""

from __future__ import annotations


class CloseCode:
    NORMAL = 1000
    TOO_LARGE = 1009
    RESTARTING = 1012
    UNAUTHENTICATED = 4001
    REVOKED = 4003
    WIPE = 4004  # the device was ordered to wipe its local data (see docs/protocol.md)
    SLOW_CONSUMER = 4008
    HEARTBEAT_TIMEOUT = 4009


# Codes after which reconnecting with the same token is pointless.
FATAL_CLOSE_CODES = {CloseCode.UNAUTHENTICATED: "unauthenticated", CloseCode.REVOKED: "device revoked",
                     CloseCode.WIPE: "wipe ordered"}
