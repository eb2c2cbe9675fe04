"""Stand-alone fake of the Numbers API for the benchmarks.

Serves pages of ActiveNumber JSON that were serialised at start-up, so a request costs the server
little more than a dictionary lookup and the client's work dominates what is measured. Prints the
port it listens on (127.0.0.1, port 0 by default) as its first stdout line.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence

import benchlib
import orjson
from aiohttp import web

_JSON = "application/json"
_SEARCH_PATTERNS = ("START", "CONTAINS", "END")

StreamKey = tuple[str, str] | None  # (searchPattern, pattern), None = no filter


def _error(status: int, code: str, message: str) -> web.Response:
    body = {"error": {"code": status, "message": message, "status": code, "details": []}}
    return web.Response(status=status, body=orjson.dumps(body), content_type=_JSON)


class Catalogue:
    """The data set: one serialised ActiveNumber per index, and pages joined from them."""

    def __init__(self, total: int, project_id: str) -> None:
        self.total = total
        self.items = [orjson.dumps(benchlib.active_number(i, project_id)) for i in range(total)]
        self._phones: list[str] | None = None
        self._streams: dict[StreamKey, Sequence[int]] = {None: range(total)}
        self._pages: dict[tuple[StreamKey, int, int], bytes] = {}
        self.lazy_builds = 0

    def stream(self, key: StreamKey) -> Sequence[int]:
        indices = self._streams.get(key)
        if indices is None:
            assert key is not None
            search, pattern = key
            if self._phones is None:
                self._phones = [benchlib.phone_number(i) for i in range(self.total)]
            # A pattern with "+" is matched against the whole E.164 number, otherwise the digits.
            width = 0 if pattern.startswith("+") else 1
            if search == "START":
                indices = [i for i, p in enumerate(self._phones) if p[width:].startswith(pattern)]
            elif search == "END":
                indices = [i for i, p in enumerate(self._phones) if p.endswith(pattern)]
            else:
                indices = [i for i, p in enumerate(self._phones) if pattern in p[width:]]
            self._streams[key] = indices
        return indices

    def page(self, key: StreamKey, page_size: int, offset: int) -> bytes:
        cache_key = (key, page_size, offset)
        body = self._pages.get(cache_key)
        if body is None:
            body = self._build_page(key, page_size, offset)
            self._pages[cache_key] = body
            self.lazy_builds += 1
        return body

    def prebuild(self, key: StreamKey, page_size: int) -> None:
        indices = self.stream(key)
        for offset in range(0, max(len(indices), 1), page_size):
            self._pages[(key, page_size, offset)] = self._build_page(key, page_size, offset)

    def _build_page(self, key: StreamKey, page_size: int, offset: int) -> bytes:
        indices = self.stream(key)
        chunk = indices[offset : offset + page_size]
        end = offset + len(chunk)
        next_token = str(end).encode() if end < len(indices) else b""
        return b"".join(
            (
                b'{"activeNumbers":[',
                b",".join(self.items[i] for i in chunk),
                b'],"nextPageToken":"',
                next_token,
                b'","totalSize":',
                str(len(indices)).encode(),
                b"}",
            )
        )


class NumbersFake:
    def __init__(self, args: argparse.Namespace, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.project_id: str = args.project_id
        self.latency = args.latency_ms / 1000.0
        self.default_page_size: int = args.default_page_size
        basic = base64.b64encode(f"{args.key_id}:{args.key_secret}".encode()).decode()
        self.basic = f"Basic {basic}"
        self.accepted = {self.basic, f"Bearer {benchlib.ACCESS_TOKEN}"}
        self.token_body = orjson.dumps(
            {
                "access_token": benchlib.ACCESS_TOKEN,
                # Long-lived so no client refreshes mid-run.
                "expires_in": 86400,
                "scope": "",
                "token_type": "bearer",
            }
        )
        self.requests = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/oauth2/token", self.token)
        app.router.add_get("/v1/projects/{project}/activeNumbers", self.list_active)
        app.router.add_get("/v1/projects/{project}/activeNumbers/{phone}", self.get_active)
        return app

    async def _delay(self) -> None:
        self.requests += 1
        if self.latency:
            await asyncio.sleep(self.latency)

    def _denied(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") not in self.accepted:
            response = _error(401, "UNAUTHENTICATED", "missing or bad credentials")
            response.headers["WWW-Authenticate"] = 'Bearer realm="bench"'
            return response
        if request.match_info["project"] != self.project_id:
            return _error(403, "PERMISSION_DENIED", "unknown project")
        return None

    async def token(self, request: web.Request) -> web.Response:
        await self._delay()
        if request.headers.get("Authorization") != self.basic:
            return _error(401, "UNAUTHENTICATED", "bad client credentials")
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return _error(400, "INVALID_ARGUMENT", "grant_type must be client_credentials")
        return web.Response(body=self.token_body, content_type=_JSON)

    async def list_active(self, request: web.Request) -> web.Response:
        await self._delay()
        denied = self._denied(request)
        if denied is not None:
            return denied
        query = request.rel_url.query
        try:
            page_size = int(query.get("pageSize") or self.default_page_size)
            offset = int(query.get("pageToken") or 0)
        except ValueError:
            return _error(400, "INVALID_ARGUMENT", "bad pageSize or pageToken")
        if page_size < 1 or offset < 0:
            return _error(400, "INVALID_ARGUMENT", "bad pageSize or pageToken")
        key: StreamKey = None
        pattern = query.get("numberPattern.pattern")
        if pattern:
            search = query.get("numberPattern.searchPattern", "START")
            if search not in _SEARCH_PATTERNS:
                return _error(400, "INVALID_ARGUMENT", f"bad searchPattern {search!r}")
            key = (search, pattern)
        body = self.catalogue.page(key, page_size, offset)
        return web.Response(body=body, content_type=_JSON)

    async def get_active(self, request: web.Request) -> web.Response:
        await self._delay()
        denied = self._denied(request)
        if denied is not None:
            return denied
        phone = request.match_info["phone"]
        index = benchlib.index_of(phone)
        if index is None or index >= self.catalogue.total:
            return _error(404, "NOT_FOUND", f"number {phone} not found")
        return web.Response(body=self.catalogue.items[index], content_type=_JSON)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--total", type=int, default=10_000, help="active numbers in the project")
    parser.add_argument(
        "--page-sizes", default="1000", help="comma-separated page sizes to pre-build ('' = none)"
    )
    parser.add_argument(
        "--splits",
        action="store_true",
        help="also pre-build the ten last-digit streams (numberPattern END 0-9)",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    parser.add_argument("--default-page-size", type=int, default=100)
    parser.add_argument("--project-id", default=benchlib.PROJECT_ID)
    parser.add_argument("--key-id", default=benchlib.KEY_ID)
    parser.add_argument("--key-secret", default=benchlib.KEY_SECRET)
    parser.add_argument(
        "--watch-stdin", action="store_true", help="exit when stdin closes (parent went away)"
    )
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    catalogue = Catalogue(args.total, args.project_id)
    page_sizes = [int(p) for p in args.page_sizes.split(",") if p.strip()]
    for page_size in page_sizes:
        catalogue.prebuild(None, page_size)
        if args.splits:
            for digit in "0123456789":
                catalogue.prebuild(("END", digit), page_size)
    catalogue.lazy_builds = 0
    fake = NumbersFake(args, catalogue)

    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    site = web.SockSite(runner, sock, backlog=1024)
    await site.start()

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if args.watch_stdin:

        def watch() -> None:
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=watch, daemon=True).start()

    print(sock.getsockname()[1], flush=True)
    size = sum(len(item) for item in catalogue.items)
    print(
        f"server: {args.total} numbers ({size / args.total if args.total else 0:.0f} B each), "
        f"page sizes {page_sizes}, latency {args.latency_ms} ms, "
        f"ready in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        print(
            f"server: {fake.requests} requests, {catalogue.lazy_builds} pages built on demand",
            file=sys.stderr,
            flush=True,
        )
        await runner.cleanup()


def main() -> None:
    asyncio.run(serve(parse_args()))


if __name__ == "__main__":
    main()
