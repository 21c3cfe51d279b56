"""A TCP proxy that can cut every connection through it at once (network failure on demand),
in the spirit of asyncpg's test fuzzer."""

from __future__ import annotations

import asyncio
import contextlib


class ChaosProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self.cuts = 0

    async def start(self) -> ChaosProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        pair = (client_writer, server_writer)
        self._pairs.add(pair)
        try:
            await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))
        finally:
            self._pairs.discard(pair)
            for writer in pair:
                writer.transport.abort()

    def cut_all(self) -> int:
        """Abort every proxied connection in both directions, without any goodbye."""
        pairs = list(self._pairs)
        for client_writer, server_writer in pairs:
            client_writer.transport.abort()
            server_writer.transport.abort()
        self.cuts += 1
        return len(pairs)

    async def close(self) -> None:
        self.cut_all()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
