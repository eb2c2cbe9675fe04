"""A programmable HTTP server on 127.0.0.1 for tests that need exact control of responses."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from aiohttp import web
from multidict import CIMultiDict

from sinch_numbers import NumbersClient

Handler = Callable[["Seen"], Awaitable[web.StreamResponse] | web.StreamResponse]

PROJECT = "test-project"
KEY_ID = "test-key-id"
KEY_SECRET = "test-key-secret-never-shown"
PREFIX = f"/v1/projects/{PROJECT}"


@attrs.define
class Seen:
    """One request as the server received it."""

    method: str
    raw_path: str
    path: str
    query: list[tuple[str, str]]
    headers: CIMultiDict[str]
    body: bytes
    request: web.Request

    def json(self) -> Any:
        import json

        return json.loads(self.body)

    def param(self, key: str) -> str | None:
        return next((v for k, v in self.query if k == key), None)

    def params(self, key: str) -> list[str]:
        return [v for k, v in self.query if k == key]


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(data, status=status, headers=headers)


def error_response(
    status: int,
    status_name: str,
    message: str,
    details: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = {
        "error": {
            "code": status,
            "message": message,
            "status": status_name,
            "details": details or [],
        }
    }
    return web.json_response(body, status=status, headers=headers)


class ScriptedServer:
    """Routes requests to handlers registered by the test and records every request."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def route(self, method: str, path_regex: str, handler: Handler) -> None:
        """Answer ``method`` requests whose raw path (below the project) fully matches."""
        self._routes.append((method, re.compile(path_regex), handler))

    def api_requests(self) -> list[Seen]:
        return [r for r in self.requests if r.raw_path.startswith("/v1/")]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        raw = request.raw_path.split("?", 1)[0]
        seen = Seen(
            method=request.method,
            raw_path=raw,
            path=request.path,
            query=list(request.query.items()),
            headers=CIMultiDict(request.headers),
            body=body,
            request=request,
        )
        self.requests.append(seen)
        relative = raw[len(PREFIX) :] if raw.startswith(PREFIX) else raw
        for method, pattern, handler in self._routes:
            if method == request.method and pattern.fullmatch(relative):
                result = handler(seen)
                if not isinstance(result, web.StreamResponse):
                    result = await result
                return result
        return error_response(404, "NOT_FOUND", f"no test route for {request.method} {raw}")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def client(self, **options: Any) -> NumbersClient:
        options.setdefault("auth", "basic")
        options.setdefault("auth_url", f"{self.base_url}/oauth2/token")
        return NumbersClient(PROJECT, KEY_ID, KEY_SECRET, base_url=self.base_url, **options)


def active_number_json(phone: str, **extra: Any) -> dict[str, Any]:
    """A complete ActiveNumber as the API sends it."""
    data: dict[str, Any] = {
        "phoneNumber": phone,
        "projectId": PROJECT,
        "displayName": f"name {phone}",
        "regionCode": "US",
        "type": "LOCAL",
        "capability": ["SMS", "VOICE"],
        "money": {"currencyCode": "USD", "amount": "2.00"},
        "paymentIntervalMonths": 1,
        "nextChargeDate": "2026-12-01T10:00:00.000Z",
        "expireAt": "2026-12-31T10:00:00.000Z",
        "smsConfiguration": {"servicePlanId": "plan-1", "campaignId": ""},
        "voiceConfiguration": {
            "type": "RTC",
            "appId": "app-1",
            "lastUpdatedTime": "2026-11-01T08:00:00Z",
        },
        "callbackUrl": "",
    }
    data.update(extra)
    return data
