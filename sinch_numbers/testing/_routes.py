"""The emulator's route table: URL templates with literal `:verb` suffixes, matched on the
decoded path, and the context object handed to each handler.

aiohttp's own router cannot express `/availableNumbers/{phoneNumber}:rent` next to
`/availableNumbers/{phoneNumber}`, so the emulator registers one catch-all aiohttp route and
dispatches here. To add operations (e.g. Number Orders in `_orders.py`), write a module with

    def register(router: Router) -> None:
        router.add("POST", "/v1/projects/{projectId}/numberOrders:createNumberOrder",
                   create_number_order, operation="CreateNumberOrder")

    async def create_number_order(ctx: RequestContext) -> web.StreamResponse:
        body = ctx.json_body(required=True)      # 400 on malformed JSON
        orders = ctx.state.extension("orders", dict)   # your own state, kept per emulator
        ...
        return json_response({...})              # or raise invalid_argument(...)/not_found(...)

`_emulator.py` calls `register` of every module named in `ROUTE_MODULES` that exists. The
dispatcher has already checked auth and the `projectId` (403) before a handler runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiDictProxy

from ._wire import E164, invalid_argument

if TYPE_CHECKING:
    from ._state import EmulatorState

__all__ = ["Handler", "RequestContext", "Route", "RouteMatch", "Router"]

Handler = Callable[["RequestContext"], Awaitable[web.StreamResponse]]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One operation: an HTTP method, a URL template and its handler."""

    method: str
    template: str
    handler: Handler
    operation: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """The outcome of matching a request: the route (or None) and decoded path parameters."""

    route: Route | None
    params: dict[str, str]
    allowed_methods: tuple[str, ...] = ()


def _compile(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    pos = 0
    for m in _PARAM.finditer(template):
        parts.append(re.escape(template[pos : m.start()]))
        # Path parameters never contain "/" or ":", so "{phoneNumber}:rent" splits cleanly.
        parts.append(f"(?P<{m.group(1)}>[^/:]+)")
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    return re.compile("".join(parts))


class Router:
    """Ordered table of routes; the first template that fully matches the path wins."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler, *, operation: str = "") -> Route:
        """Register `handler` for `method` on `template` (e.g. `/v1/projects/{projectId}/x`)."""
        route = Route(
            method=method.upper(),
            template=template,
            handler=handler,
            operation=operation or handler.__name__,
            pattern=_compile(template),
        )
        self._routes.append(route)
        return route

    def __iter__(self) -> Iterator[Route]:
        return iter(self._routes)

    def __len__(self) -> int:
        return len(self._routes)

    def match(self, method: str, path: str) -> RouteMatch:
        """Find the route for a decoded path; `allowed_methods` lists the others on a miss."""
        allowed: list[str] = []
        for route in self._routes:
            m = route.pattern.fullmatch(path)
            if m is None:
                continue
            if route.method == method.upper():
                return RouteMatch(route, m.groupdict())
            allowed.append(route.method)
        return RouteMatch(None, {}, tuple(allowed))


@dataclass(slots=True)
class RequestContext:
    """What a handler gets: the aiohttp request, the emulator state, path parameters
    (percent-decoded), the query and the raw body (already read)."""

    request: web.Request
    state: EmulatorState
    params: dict[str, str]
    body: bytes
    operation: str = ""
    _json: Any = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    @property
    def query(self) -> MultiDictProxy[str]:
        """Decoded query parameters; repeated keys are kept (`getall`)."""
        return self.request.rel_url.query

    def phone_number(self, name: str = "phoneNumber") -> str:
        """The path's phone number, checked to be E.164 (400 otherwise)."""
        value = self.params.get(name, "")
        if not E164.fullmatch(value):
            raise invalid_argument(
                f'parsing field "{name}": "{value}" is not a valid E.164 phone number',
                (name, "must be an E.164 number with a leading + (percent-encoded as %2B)"),
            )
        return value

    def json_body(self, *, required: bool = False) -> dict[str, Any] | None:
        """The body parsed as a JSON object; `None` when empty (400 if `required`), and 400
        when it is not valid JSON or not an object."""
        if not self._parsed:
            if self.body.strip():
                try:
                    parsed = json.loads(self.body)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise invalid_argument(f"request body is not valid JSON: {exc}") from None
                if not isinstance(parsed, dict):
                    raise invalid_argument("request body must be a JSON object")
                self._json = parsed
            self._parsed = True
        if self._json is None and required:
            raise invalid_argument("request body is required")
        result: dict[str, Any] | None = self._json
        return result
