"""The load generator's own ceiling: an asyncio (uvloop) server that answers every request with the
same bytes and does nothing else. What wrk reaches here on the same cores is the most any figure
of the run could show; hello-world and the service are read against it."""

from __future__ import annotations

import asyncio
import sys

import uvloop

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class Canned(asyncio.Protocol):
    """GET requests only (no bodies): one response per blank line that ends a request head."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        buf = self.pending + data
        n = buf.count(b"\r\n\r\n")
        self.pending = buf[buf.rfind(b"\r\n\r\n") + 4:] if n else buf
        if n:
            self.transport.write(RESPONSE * n)  # type: ignore[attr-defined]


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Canned, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1])))
