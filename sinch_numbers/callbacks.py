"""Receive Numbers callback events: check a delivery's ``X-Sinch-Signature``, parse it into a
:class:`CallbackEvent`, and serve a webhook endpoint on aiohttp or on any ASGI server.

Sinch POSTs an event to a number's (or number order's) ``callbackUrl`` when provisioning
finishes or an order changes state. The body is signed with the project's ``hmacSecret``
(``client.callback_configuration``): HMAC-SHA1 of the raw body bytes, lowercase hex.

```python
import os

from aiohttp import web
from sinch_numbers.callbacks import CallbackEvent, aiohttp_handler

async def on_event(event: CallbackEvent) -> None:
    print(event.resource_id, event.event_type, event.status)

handler = aiohttp_handler(os.environ["SINCH_HMAC_SECRET"], on_event)
app = web.Application()
app.router.add_post("/sinch/numbers-events", handler)
app.on_shutdown.append(handler.on_shutdown)  # finish pending on_event calls
```

Security: the signature carries no timestamp or nonce, so a captured request can be replayed
and will verify again. The handlers remember the ``eventId`` of recent events (``deduplicate``)
and hand a repeated one to ``on_event`` only once, which also absorbs Sinch's own redeliveries;
beyond that window, protect the endpoint with HTTPS, allow only Sinch's source addresses
(:data:`SINCH_CALLBACK_IPS`) and make ``on_event`` idempotent (fetch the resource for its current
state rather than trusting event order).
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import hmac
import inspect
import logging
import math
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs

from . import _jsonlib
from ._converter import structure
from ._enums import CallbackEventType, CallbackFailureCode, CallbackStatus, ResourceType

if TYPE_CHECKING:
    # aiohttp.web is imported when a handler first answers, not with the package: most
    # programs never serve callbacks, and importing it costs start-up time.
    from aiohttp import web
from .errors import CallbackParseError, ResponseDecodeError

__all__ = [
    "AiohttpCallbackHandler",
    "AsgiCallbackApp",
    "CallbackEvent",
    "CallbackParseError",
    "OnEvent",
    "SIGNATURE_HEADER",
    "SINCH_CALLBACK_IPS",
    "SecretSource",
    "aiohttp_handler",
    "asgi_app",
    "parse_event",
    "verify_signature",
]

logger = logging.getLogger("sinch_numbers")

#: The header that carries the body's signature (read case-insensitively).
SIGNATURE_HEADER: Final = "X-Sinch-Signature"
#: The addresses Sinch sends Numbers callbacks from, for a firewall or proxy allow-list.
SINCH_CALLBACK_IPS: Final = frozenset({"54.76.19.159", "54.78.194.39", "54.155.83.128"})

DEFAULT_MAX_BODY_SIZE: Final = 64 * 1024
DEFAULT_DEDUPLICATE: Final = 1024
DEFAULT_SHUTDOWN_TIMEOUT: Final = 10.0


@attrs.define(slots=True, kw_only=True)
class CallbackEvent:
    """One event Sinch delivered to a ``callbackUrl``.

    Only ``resource_type`` is required by the spec; the other fields are ``None`` when absent.
    ``timestamp`` is timezone-aware (Sinch sends it without a zone; it is UTC). Enum fields hold
    the raw string when Sinch sends a value the SDK does not know (``failure_code`` values outside
    the documented list do occur). Events may arrive more than once and out of order: use
    ``event_id`` to spot repeats and fetch the resource for its current state.

    Attributes:
        event_id: unique id of the event; the same for every redelivery.
        timestamp: when the event was queued.
        project_id: the project the resource belongs to.
        resource_type: ``ACTIVE_NUMBER`` or ``NUMBER_ORDER``.
        resource_id: the phone number (E.164) or the number order id.
        event_type: what happened, e.g. ``PROVISIONING_TO_SMS_PLATFORM``.
        status: ``SUCCEEDED`` / ``FAILED`` for numbers; the new order state for orders.
        failure_code: why an active-number event failed (``None`` otherwise).
        internal_failure_code: Sinch's internal code for the failure, e.g. ``CRS0018``.
    """

    event_id: str | None = None
    timestamp: datetime | None = None
    project_id: str | None = None
    resource_type: ResourceType | str
    resource_id: str | None = None
    event_type: CallbackEventType | str | None = None
    status: CallbackStatus | str | None = None
    failure_code: CallbackFailureCode | str | None = None
    internal_failure_code: str | None = None


def verify_signature(body: bytes, signature: str | None, secret: str | None) -> bool:
    """Whether ``signature`` is the HMAC-SHA1 of ``body`` keyed with ``secret``.

    ``body`` must be the raw request bytes exactly as received (before any JSON decoding);
    ``signature`` is the ``X-Sinch-Signature`` header, hex in either case. A missing header or
    secret, or a malformed signature, gives ``False``; the comparison takes constant time.
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError(
            f"body must be the raw request bytes as received, got {type(body).__name__}"
        )
    if secret is not None and not isinstance(secret, str):
        raise TypeError(f"secret must be a str, got {type(secret).__name__}")
    if not signature or not secret:
        return False
    try:
        candidate = signature.strip().lower().encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).hexdigest().encode("ascii")
    return hmac.compare_digest(expected, candidate)


def parse_event(body: bytes | str) -> CallbackEvent:
    """Decode a callback body into a :class:`CallbackEvent`.

    Unknown fields are ignored and unknown enum values kept as strings. Raises
    :class:`~sinch_numbers.errors.CallbackParseError` when the body is not a JSON object, a field
    has the wrong type, or ``resourceType`` is missing. Verify the signature first.
    """
    try:
        data = _jsonlib.loads(body)
    except (ValueError, RecursionError) as exc:
        raise CallbackParseError(f"callback body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CallbackParseError(
            f"callback body must be a JSON object, not {_json_type_name(data)}"
        )
    if data.get("resourceType") is None:
        raise CallbackParseError("callback event has no resourceType")
    try:
        return structure(data, CallbackEvent, what="callback event")
    except ResponseDecodeError as exc:
        cause = exc.__cause__ or exc
        # Bounded: the reason may quote a field value, and this text ends up in logs.
        reason = f"{type(cause).__name__}: {cause}"[:200]
        raise CallbackParseError(f"malformed callback event: {reason}") from exc


def _json_type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


#: A coroutine function that receives each new verified event (a plain function works too).
OnEvent: TypeAlias = Callable[[CallbackEvent], Awaitable[object]]
#: The HMAC secret, or a zero-argument function (sync or async) returning the current one, so
#: it can be rotated without rebuilding the handler.
SecretSource: TypeAlias = str | Callable[[], str | Awaitable[str | None] | None]


def _mark_coroutine_function(handler: object) -> None:
    # An instance with an async __call__ does not look like a coroutine function, so aiohttp
    # would wrap it and warn DeprecationWarning; mark the instance as one.
    if sys.version_info >= (3, 12):
        inspect.markcoroutinefunction(handler)
    else:
        # The marker asyncio.iscoroutinefunction looks for on 3.11 (asgiref does the same).
        marker = getattr(asyncio.coroutines, "_is_coroutine", None)
        if marker is not None:
            handler._is_coroutine = marker  # type: ignore[attr-defined]


class _CallbackReceiver:
    """What both front ends share: secret, verification, parsing, dedupe and background tasks."""

    def __init__(
        self,
        secret: SecretSource,
        on_event: OnEvent,
        *,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        deduplicate: int | None = DEFAULT_DEDUPLICATE,
        shutdown_timeout: float | None = DEFAULT_SHUTDOWN_TIMEOUT,
    ) -> None:
        if isinstance(secret, str):
            if not secret:
                raise ValueError("secret must not be empty")
        elif not callable(secret):
            raise TypeError("secret must be a str or a function returning one")
        if not callable(on_event):
            raise TypeError("on_event must be a coroutine function taking a CallbackEvent")
        if type(max_body_size) is not int or max_body_size <= 0:
            raise ValueError("max_body_size must be a positive int")
        if deduplicate is not None and (type(deduplicate) is not int or deduplicate < 0):
            raise ValueError("deduplicate must be None or an int >= 0")
        if shutdown_timeout is not None:
            if isinstance(shutdown_timeout, bool) or not isinstance(shutdown_timeout, int | float):
                raise TypeError(
                    "shutdown_timeout must be None or seconds, "
                    f"got {type(shutdown_timeout).__name__}"
                )
            if not 0 <= shutdown_timeout < math.inf:  # also refuses NaN
                raise ValueError("shutdown_timeout must be None or a finite number >= 0")
        self._secret = secret
        self._on_event = on_event
        self.max_body_size = max_body_size
        self.shutdown_timeout = shutdown_timeout
        self._dedupe_size = deduplicate or 0
        # eventIds of recently accepted events, oldest first (a bounded LRU).
        self._recent: collections.OrderedDict[str, None] = collections.OrderedDict()
        # Strong references: the event loop keeps only weak ones to tasks.
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        # Both front ends are called like coroutine functions; say so to frameworks that check.
        _mark_coroutine_function(self)

    def __repr__(self) -> str:
        # Never the secret.
        name = getattr(self._on_event, "__qualname__", type(self._on_event).__name__)
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} on_event={name} {state} pending={len(self._tasks)}>"

    @property
    def pending(self) -> int:
        """How many ``on_event`` calls are still running."""
        return len(self._tasks)

    @property
    def closed(self) -> bool:
        """``True`` after :meth:`aclose`: deliveries are answered 503 so Sinch retries later."""
        return self._closed

    async def drain(self, timeout: float | None = None) -> bool:
        """Wait until every ``on_event`` call handed over so far (or meanwhile) has finished.

        Returns ``False`` if some are still running after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while self._tasks:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return False
            _, still_running = await asyncio.wait(set(self._tasks), timeout=remaining)
            if still_running:
                return False
        return True

    async def aclose(self, timeout: float | None = DEFAULT_SHUTDOWN_TIMEOUT) -> None:
        """Stop accepting events, let running ``on_event`` calls finish, then cancel the rest.

        Deliveries arriving afterwards get 503, so Sinch delivers them again later (to this or
        another instance) instead of the event being lost. Safe to call more than once.
        """
        self._closed = True
        if await self.drain(timeout):
            return
        stuck = list(self._tasks)
        logger.warning("cancelling %d unfinished Numbers callback handler(s)", len(stuck))
        for task in stuck:
            task.cancel()
        await asyncio.gather(*stuck, return_exceptions=True)

    async def _receive(self, body: bytes, signature: str | None, peer: object) -> tuple[int, str]:
        """The HTTP status and text for one delivery; spawns ``on_event`` for a new event."""
        try:
            secret = await self._current_secret()
        except Exception:
            logger.exception("could not get the HMAC secret to verify a Numbers callback")
            return 500, "internal error"
        if not secret:
            logger.warning("no HMAC secret available: rejecting a Numbers callback from %s", peer)
            return 401, "invalid signature"
        if not verify_signature(body, signature, secret):
            logger.warning("rejected a Numbers callback from %s: bad or missing signature", peer)
            return 401, "invalid signature"
        try:
            event = parse_event(body)
        except CallbackParseError as exc:
            logger.warning(
                "rejected a signed but malformed Numbers callback from %s: %s", peer, exc
            )
            return 400, "malformed event"
        # Checked here, after the last await, so nothing is spawned once aclose() has drained.
        if self._closed:
            return 503, "shutting down"
        if self._seen_before(event.event_id):
            logger.debug("Numbers callback event %s already handled; ignored", event.event_id)
            return 200, "ok"
        task = asyncio.get_running_loop().create_task(
            self._deliver(event), name=f"sinch-numbers-callback-{event.event_id}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return 200, "ok"

    async def _current_secret(self) -> str | None:
        source = self._secret
        if isinstance(source, str):
            return source
        value = source()
        if inspect.isawaitable(value):
            value = await value
        return value if isinstance(value, str) else None

    def _seen_before(self, event_id: str | None) -> bool:
        """Record ``event_id``; ``True`` if it was already among the recent ones."""
        if not event_id or not self._dedupe_size:
            return False
        if event_id in self._recent:
            self._recent.move_to_end(event_id)
            return True
        self._recent[event_id] = None
        if len(self._recent) > self._dedupe_size:
            self._recent.popitem(last=False)
        return False

    async def _deliver(self, event: CallbackEvent) -> None:
        try:
            result = self._on_event(event)
            if inspect.isawaitable(result):
                await result
        except Exception:
            # Sinch already has its 200; the server must keep serving whatever on_event does.
            logger.exception("on_event failed for Numbers callback event %s", event.event_id)


class AiohttpCallbackHandler(_CallbackReceiver):
    """An aiohttp request handler for Numbers callbacks; build it with :func:`aiohttp_handler`.

    Register it with ``app.router.add_post(path, handler)`` and add
    ``app.on_shutdown.append(handler.on_shutdown)`` so pending ``on_event`` calls finish (up to
    ``shutdown_timeout`` seconds) before the application's resources are cleaned up.
    """

    async def __call__(self, request: web.Request) -> web.Response:
        from aiohttp import web

        if request.method != "POST":
            return web.Response(status=405, text="method not allowed", headers={"Allow": "POST"})
        # A declared oversize body is refused before reading a byte of it.
        if request.content_length is not None and request.content_length > self.max_body_size:
            return _too_large()
        body = bytearray()
        while chunk := await request.content.readany():
            body += chunk
            if len(body) > self.max_body_size:
                return _too_large()
        status, text = await self._receive(
            bytes(body), request.headers.get(SIGNATURE_HEADER), request.remote
        )
        return web.Response(status=status, text=text)

    async def on_shutdown(self, app: web.Application) -> None:
        """``app.on_shutdown`` hook: :meth:`aclose` with the handler's ``shutdown_timeout``."""
        await self.aclose(self.shutdown_timeout)


def _too_large() -> web.Response:
    from aiohttp import web

    # aiohttp discards (lingers over) the unread rest of the body before reusing the connection.
    return web.Response(status=413, text="request body too large")


_Scope: TypeAlias = MutableMapping[str, Any]
_Receive: TypeAlias = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send: TypeAlias = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class AsgiCallbackApp(_CallbackReceiver):
    """An ASGI 3 application for Numbers callbacks; build it with :func:`asgi_app`.

    It answers a POST on any path (mount it where the ``callbackUrl`` points). Lifespan startup
    (re)opens it; lifespan shutdown runs :meth:`aclose` with ``shutdown_timeout``. When it is
    mounted inside a framework that does not forward lifespan events, call :meth:`aclose` from
    the framework's shutdown hook instead.
    """

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            raise ValueError(f"unsupported ASGI scope type {kind!r}: only http and lifespan")
        if scope["method"] != "POST":
            await _respond(send, 405, "method not allowed", [(b"allow", b"POST")])
            return
        signature: str | None = None
        declared: int | None = None
        for name, value in scope["headers"]:
            name = name.lower()
            if name == b"x-sinch-signature" and signature is None:
                signature = value.decode("latin-1")
            elif name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        if declared is not None and declared > self.max_body_size:
            await _respond(send, 413, "request body too large")
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body_size:
                # The server discards the unread rest of the body.
                await _respond(send, 413, "request body too large")
                return
            if not message.get("more_body", False):
                break
        status, text = await self._receive(bytes(body), signature, _peer(scope))
        await _respond(send, status, text)

    async def _lifespan(self, receive: _Receive, send: _Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._closed = False
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await self.aclose(self.shutdown_timeout)
                except Exception as exc:
                    logger.exception("closing the Numbers callback app failed")
                    await send({"type": "lifespan.shutdown.failed", "message": repr(exc)})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                return


def _peer(scope: _Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


async def _respond(
    send: _Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def aiohttp_handler(
    secret: SecretSource,
    on_event: OnEvent,
    *,
    max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    deduplicate: int | None = DEFAULT_DEDUPLICATE,
    shutdown_timeout: float | None = DEFAULT_SHUTDOWN_TIMEOUT,
) -> AiohttpCallbackHandler:
    """An aiohttp handler that verifies, parses and hands Numbers callbacks to ``on_event``.

    Each POST is answered at once: 200 for a verified event (``on_event(event)`` then runs in a
    background task; an exception there is logged on the ``sinch_numbers`` logger), 401 for a
    bad or missing signature, 400 for a malformed body, 413 for a body over ``max_body_size``
    bytes, 503 after :meth:`~AiohttpCallbackHandler.aclose`.

    Args:
        secret: the project's HMAC secret, or a zero-argument function (sync or async)
            returning the current one.
        on_event: coroutine function called with each new :class:`CallbackEvent`.
        max_body_size: largest body accepted, in bytes (events are well under 1 KiB).
        deduplicate: how many recent ``eventId`` values to remember; a repeat gets 200 but is
            not handed over again. ``None`` or 0 hands over every delivery.
        shutdown_timeout: how long :meth:`~AiohttpCallbackHandler.on_shutdown` waits for
            running ``on_event`` calls before cancelling them (``None``: no limit).
    """
    return AiohttpCallbackHandler(
        secret,
        on_event,
        max_body_size=max_body_size,
        deduplicate=deduplicate,
        shutdown_timeout=shutdown_timeout,
    )


def asgi_app(
    secret: SecretSource,
    on_event: OnEvent,
    *,
    max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    deduplicate: int | None = DEFAULT_DEDUPLICATE,
    shutdown_timeout: float | None = DEFAULT_SHUTDOWN_TIMEOUT,
) -> AsgiCallbackApp:
    """An ASGI 3 application that verifies, parses and hands Numbers callbacks to ``on_event``.

    Same responses and options as :func:`aiohttp_handler`; lifespan shutdown waits up to
    ``shutdown_timeout`` seconds for running ``on_event`` calls.

    ```python
    app = asgi_app(os.environ["SINCH_HMAC_SECRET"], on_event)  # then: uvicorn module:app
    ```
    """
    return AsgiCallbackApp(
        secret,
        on_event,
        max_body_size=max_body_size,
        deduplicate=deduplicate,
        shutdown_timeout=shutdown_timeout,
    )
