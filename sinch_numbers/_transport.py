"""The session layer: everything between a service call and decoded JSON.

Services describe a call with :class:`Call`; :class:`Transport` builds the URL, authenticates,
sends it with aiohttp, retries by the :class:`RetryPolicy`, maps errors into the ``ApiError``
hierarchy and decodes the body. It never knows a model.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import aiohttp
import attrs
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from . import _jsonlib
from ._retry import RetryPolicy
from ._version import __version__
from .errors import (
    ApiError,
    AuthenticationError,
    ClientClosedError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    TransportError,
)

__all__ = ["Call", "Reply", "Transport"]

logger = logging.getLogger("sinch_numbers")
logger.addHandler(logging.NullHandler())

USER_AGENT = f"sinch-numbers-python/{__version__} aiohttp/{aiohttp.__version__}"
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
_TRANSPORT_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
_NO_CONTENT_TYPE = ("Content-Type",)
# Pausing the GC pays off for page-sized bodies only.
_GC_PAUSE_MIN_BODY = 64 * 1024
# What a JSON decoder raises on a body it cannot decode: the stdlib decoder (used without the
# orjson extra) overflows the stack on deeply nested arrays instead of raising ValueError.
_JSON_ERRORS = (ValueError, RecursionError)
# What an access token may hold to go in a header: printable ASCII, no spaces (RFC 6750).
_TOKEN_CHARS = re.compile(r"[\x21-\x7e]+")
# Secrets shorter than this are not scrubbed from error texts: they would mangle the text and
# real keys and tokens are far longer.
_MIN_REDACTED = 8
# Renew an OAuth token this long before it expires, so no request carries a dying token.
_TOKEN_MARGIN = 60.0


@attrs.define(slots=True)
class Call:
    """One API call, as a service describes it (not changed once made)."""

    method: str
    #: Encoded path below ``/v1/projects/{projectId}`` (or absolute, when ``project=False``).
    path: str
    query: Sequence[tuple[str, str]] = ()
    #: JSON-ready request body; ``None`` sends no body.
    json: Any = None
    #: Builds a multipart body per attempt (file uploads).
    form: Callable[[], aiohttp.FormData] | None = None
    #: True when repeating the call cannot do anything twice (GET, PATCH of the same body).
    safe: bool = True
    #: How to check the outcome of an unsafe call that failed half-way (goes in the error).
    check_hint: str | None = None
    #: Whether ``form`` can still build the same body again (a stream that cannot be rewound
    #: cannot be sent twice); ``None``: always.
    replayable: Callable[[], bool] | None = None


@attrs.define(slots=True)
class _Response:
    status: int
    headers: CIMultiDictProxy[str] | CIMultiDict[str]
    body: bytes


class Reply:
    """A successful response; :meth:`json` decodes its body (errors as ResponseDecodeError)."""

    __slots__ = ("_transport", "method", "response", "url")

    def __init__(self, transport: Transport, response: _Response, method: str, url: URL) -> None:
        self._transport = transport
        self.response = response
        self.method = method
        self.url = url

    @property
    def body(self) -> bytes:
        return self.response.body

    @property
    def status(self) -> int:
        return self.response.status

    def json(self) -> Any:
        return self._transport.decode(self.response, self.method, self.url)


class _Auth:
    """Supplies the ``Authorization`` header; OAuth subclasses refresh tokens."""

    refreshable = False

    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach an error text (a server may echo them back)."""
        return ()

    def current(self, transport: Transport) -> str | None:
        """The header when it is at hand without waiting (the usual case), else ``None``."""
        return None

    async def authorization(self, transport: Transport) -> str:
        raise NotImplementedError

    async def refresh(self, transport: Transport, stale: str) -> None:  # pragma: no cover
        return None


class _BasicAuth(_Auth):
    __slots__ = ("_header", "_secrets")

    def __init__(self, key_id: str, key_secret: str) -> None:
        self._header = _basic(key_id, key_secret)
        self._secrets = (key_secret, self._header.removeprefix("Basic "))

    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def __repr__(self) -> str:
        return "<BasicAuth>"

    def current(self, transport: Transport) -> str | None:
        return self._header

    async def authorization(self, transport: Transport) -> str:
        return self._header


class _OAuth(_Auth):
    """Client-credentials tokens, cached; concurrent callers share one fetch."""

    refreshable = True

    def __init__(self, key_id: str, key_secret: str, auth_url: URL) -> None:
        self._basic = _basic(key_id, key_secret)
        self._key_secrets = (key_secret, self._basic.removeprefix("Basic "))
        self._auth_url = auth_url
        self._header: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0

    def __repr__(self) -> str:
        return f"<OAuth token_url={str(self._auth_url)!r}>"

    def secrets(self) -> tuple[str, ...]:
        if self._header is None:
            return self._key_secrets
        return (*self._key_secrets, self._header.removeprefix("Bearer "))

    def _valid(self, transport: Transport) -> bool:
        return self._header is not None and transport.clock() < self._expires_at

    def current(self, transport: Transport) -> str | None:
        return self._header if self._valid(transport) else None

    async def authorization(self, transport: Transport) -> str:
        if not self._valid(transport):
            async with self._lock:
                if not self._valid(transport):
                    await self._fetch(transport)
        assert self._header is not None
        return self._header

    async def refresh(self, transport: Transport, stale: str) -> None:
        async with self._lock:
            # Another caller may have refreshed while we waited for the lock.
            if self._header == stale or not self._valid(transport):
                await self._fetch(transport)

    async def _fetch(self, transport: Transport) -> None:
        self.fetches += 1
        response = await transport.exchange(
            "POST",
            self._auth_url,
            headers={"Authorization": self._basic, "Accept": "application/json"},
            data={"grant_type": "client_credentials"},
            safe=True,
        )
        if response.status >= 300:
            error = transport.api_error(response, "POST", self._auth_url)
            if response.status in (400, 401, 403):
                raise AuthenticationError(
                    "the token endpoint rejected the credentials; check key_id and key_secret",
                    http_status=response.status,
                    status=error.status,
                    text=error.text,
                    method="POST",
                    url=str(self._auth_url),
                ) from None
            raise error
        try:
            payload = transport.decode(response, "POST", self._auth_url)
        except ResponseDecodeError as exc:
            # Without the raw text: a body that is not JSON may still carry the token.
            raise ResponseDecodeError(str(exc), http_status=response.status) from None
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token:
            raise ResponseDecodeError(
                "token response has no access_token", http_status=response.status
            )
        if not _TOKEN_CHARS.fullmatch(token):
            raise ResponseDecodeError(
                "token response has an access_token that cannot be sent in a header "
                "(not printable ASCII)",
                http_status=response.status,
            )
        lifetime = payload.get("expires_in", 3600)
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float):
            lifetime = 3600
        margin = min(_TOKEN_MARGIN, float(lifetime) / 10)
        self._header = f"Bearer {token}"
        self._expires_at = transport.clock() + float(lifetime) - margin


def _basic(key_id: str, key_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{key_id}:{key_secret}".encode()).decode("ascii")


_ERROR_CLASSES: dict[int, type[ApiError]] = {
    400: InvalidArgumentError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


class Transport:
    """Sends :class:`Call` objects; owns (or borrows) the aiohttp session."""

    def __init__(
        self,
        *,
        project_id: str,
        key_id: str,
        key_secret: str,
        auth: str,
        base_url: URL,
        auth_url: URL,
        timeout: aiohttp.ClientTimeout,
        retry: RetryPolicy,
        session: aiohttp.ClientSession | None,
        max_connections: int,
    ) -> None:
        self._prefix = base_url.path.rstrip("/") + "/v1/projects/" + quote(project_id, safe="")
        self._origin = base_url.origin()
        self._timeout = timeout
        self.retry = retry
        self._session = session
        self._owns_session = session is None
        self._max_connections = max_connections
        self._closed = False
        self.auth: _Auth = (
            _OAuth(key_id, key_secret, auth_url)
            if auth == "oauth"
            else _BasicAuth(key_id, key_secret)
        )
        # Injectable for tests: retry timing is tested with a fake clock and sleep.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.clock: Callable[[], float] = time.monotonic
        self.rng = random.Random()

    def __repr__(self) -> str:
        return f"<Transport origin={str(self._origin)!r} auth={self.auth!r}>"

    @property
    def closed(self) -> bool:
        return self._closed

    def _session_or_open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("this NumbersClient is closed; create a new one")
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, limit_per_host=self._max_connections
            )
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def open(self) -> None:
        self._session_or_open()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()

    # --- the public face for services ---

    def url(self, call: Call) -> URL:
        url = self._origin.with_path(self._prefix + call.path, encoded=True)
        if not call.query:
            return url
        # Encoded by hand: '+' in a pattern must reach the server as %2B, not as a space, and
        # repeated keys (capability=SMS&capability=VOICE) keep their order.
        qs = "&".join(f"{quote(k, safe='.')}={quote(v, safe='')}" for k, v in call.query)
        return URL(f"{url}?{qs}", encoded=True)

    async def request(self, call: Call) -> Any:
        """Send ``call`` and return its decoded JSON body (``None`` for an empty body)."""
        return (await self.send(call)).json()

    async def send(self, call: Call) -> Reply:
        """Send ``call``; a 2xx :class:`Reply` whose body is decoded on demand."""
        url = self.url(call)
        # User-Agent per request: a caller's own session does not carry ours.
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        data: Any = None
        if call.json is not None:
            headers["Content-Type"] = "application/json"
            body = _jsonlib.dumps(call.json)
            data = body
        response = await self.exchange(
            call.method,
            url,
            headers=headers,
            data=data,
            form=call.form,
            safe=call.safe,
            authorize=True,
            check_hint=call.check_hint,
            replayable=call.replayable,
        )
        if response.status >= 300:
            raise self.api_error(response, call.method, url)
        return Reply(self, response, call.method, url)

    # --- machinery ---

    async def exchange(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        data: Any = None,
        form: Callable[[], aiohttp.FormData] | None = None,
        safe: bool,
        authorize: bool = False,
        check_hint: str | None = None,
        replayable: Callable[[], bool] | None = None,
    ) -> _Response:
        """One logical request with retries; returns the final response (any status)."""
        session = self._session_or_open()
        policy = self.retry
        started = self.clock()
        deadline = started + policy.deadline if policy.deadline is not None else None
        attempt = 0
        # Tokens this call saw expire: each gets one refresh and one replay, so a token that
        # expires while others are in flight is survived, but a token rejected twice is not.
        expired_tokens: set[str] = set()
        while True:
            attempt += 1
            if self._closed:
                raise ClientClosedError("this NumbersClient is closed; create a new one")
            send_headers = dict(headers)
            auth_header = None
            if authorize:
                auth_header = self.auth.current(self) or await self.auth.authorization(self)
                send_headers["Authorization"] = auth_header
            timeout = self._timeout
            if deadline is not None:
                remaining = deadline - self.clock()
                if timeout.total is None or remaining < timeout.total:
                    timeout = attrs.evolve(timeout, total=max(remaining, 0.001))
            sent_at = time.perf_counter()
            failure: BaseException | None = None
            bare = data is None and form is None
            try:
                async with session.request(
                    method,
                    url,
                    headers=send_headers,
                    data=form() if form is not None else data,
                    timeout=timeout,
                    allow_redirects=False,
                    # No body, no content type (aiohttp declares octet-stream on a bare POST).
                    skip_auto_headers=_NO_CONTENT_TYPE if bare and method != "GET" else None,
                ) as resp:
                    body = await resp.read()
                    response = _Response(resp.status, resp.headers, body)
            except _TRANSPORT_FAILURES as exc:
                if self._closed:
                    raise ClientClosedError("the NumbersClient was closed during the call") from exc
                failure = exc
            except RuntimeError as exc:
                # aiohttp raises RuntimeError("Session is closed") for a closed session.
                if self.closed or session.closed:
                    raise ClientClosedError("the aiohttp session is closed") from exc
                raise
            latency = (time.perf_counter() - sent_at) * 1000
            if failure is not None:
                reached = not isinstance(failure, _NOT_SENT)
                logger.debug(
                    "%s %s failed: %s (attempt %d, %.1f ms)",
                    method,
                    url.raw_path,
                    type(failure).__name__,
                    attempt,
                    latency,
                )
                retryable = (safe or not reached) and (replayable is None or replayable())
                delay = self._next_delay(policy, attempt, None, deadline) if retryable else None
                if delay is None:
                    unknown = reached and not safe
                    message = f"{method} {url.raw_path}: {type(failure).__name__}: {failure}"
                    if unknown:
                        message += (
                            ". The request may have reached Sinch, so it was not repeated; "
                            + (check_hint or "check the resource before trying again")
                        )
                    elif attempt > 1:
                        message += f" (after {attempt} attempts)"
                    raise TransportError(
                        message, method=method, url=str(url), outcome_unknown=unknown
                    ) from failure
                await self.sleep(delay)
                continue
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s -> %d (attempt %d, %.1f ms)",
                    method,
                    url.raw_path,
                    response.status,
                    attempt,
                    latency,
                )
            status = response.status
            if status < 300:
                return response
            if (
                status == 401
                and authorize
                and self.auth.refreshable
                and auth_header is not None
                and auth_header not in expired_tokens
                and len(expired_tokens) < policy.max_attempts
                and "expired" in response.headers.get("WWW-Authenticate", "").lower()
                and (replayable is None or replayable())
            ):
                # One refresh and one replay; this does not count as a retry attempt.
                expired_tokens.add(auth_header)
                attempt -= 1
                await self.auth.refresh(self, auth_header)
                continue
            retryable = (
                status in policy.retry_statuses
                and (safe or status == 429)
                and (replayable is None or replayable())
            )
            retry_after = RetryPolicy.parse_retry_after(response.headers.get("Retry-After"))
            delay = self._next_delay(policy, attempt, retry_after, deadline) if retryable else None
            if delay is None:
                if not authorize:
                    return response
                unknown = not safe and (status >= 500 or status == 408)
                raise self.api_error(
                    response,
                    method,
                    url,
                    outcome_unknown=unknown,
                    hint=(
                        "The outcome is unknown: Sinch may have carried it out, so it was not "
                        "repeated; " + (check_hint or "check the resource before trying again")
                    )
                    if unknown
                    else None,
                )
            await self.sleep(delay)

    def _next_delay(
        self,
        policy: RetryPolicy,
        attempt: int,
        retry_after: float | None,
        deadline: float | None,
    ) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` when retrying must stop."""
        if attempt >= policy.max_attempts:
            return None
        if retry_after is not None and policy.respect_retry_after:
            if retry_after > policy.retry_after_max:
                return None
            delay = retry_after
        else:
            delay = policy.backoff(attempt, self.rng)
        if deadline is not None and self.clock() + delay >= deadline:
            return None
        return delay

    def redact(self, text: str) -> str:
        """``text`` with the key secret and tokens blanked out, should a server echo them."""
        for secret in self.auth.secrets():
            if len(secret) >= _MIN_REDACTED and secret in text:
                text = text.replace(secret, "[redacted]")
        return text

    def decode(self, response: _Response, method: str, url: URL) -> Any:
        if not response.body.strip():
            return None
        try:
            if len(response.body) < _GC_PAUSE_MIN_BODY:
                return _jsonlib.loads(response.body)
            with _jsonlib.gc_paused():
                return _jsonlib.loads(response.body)
        except _JSON_ERRORS as exc:
            raise ResponseDecodeError(
                f"{method} {url.raw_path}: the {response.status} response is not JSON "
                f"({response.headers.get('Content-Type', 'no content type')})",
                http_status=response.status,
                text=self.redact(response.body.decode("utf-8", "replace")),
            ) from exc

    def api_error(
        self,
        response: _Response,
        method: str,
        url: URL,
        *,
        outcome_unknown: bool = False,
        hint: str | None = None,
    ) -> ApiError:
        status = response.status
        text = self.redact(response.body.decode("utf-8", "replace"))
        envelope: dict[str, Any] | None = None
        error: dict[str, Any] = {}
        try:
            parsed = _jsonlib.loads(response.body) if response.body.strip() else None
        except _JSON_ERRORS:
            parsed = None
        if isinstance(parsed, dict):
            envelope = parsed
            if isinstance(parsed.get("error"), dict):
                error = parsed["error"]
        message = error.get("message")
        if isinstance(message, str):
            message = self.redact(message)
        if not isinstance(message, str) or not message:
            if 300 <= status < 400:
                message = (
                    f"unexpected redirect to {response.headers.get('Location', '?')!r}; "
                    "not followed, so credentials stay with the configured origin"
                )
            elif not text.strip():
                message = "empty response body"
            elif envelope is None:
                kind = response.headers.get("Content-Type", "unknown content type")
                snippet = " ".join(text.split())[:200]
                message = f"non-JSON error body ({kind}): {snippet}"
            else:
                message = "error response without a message"
        status_name = error.get("status")
        details = error.get("details")
        if not isinstance(details, list):
            details = []
        if status == 401 and hint is None:
            hint = (
                "The token was rejected"
                if isinstance(self.auth, _OAuth)
                else "Check key_id and key_secret"
            )
        cls = _ERROR_CLASSES.get(status)
        if cls is None:
            cls = ServerError if status >= 500 else ApiError
        kwargs: dict[str, Any] = {
            "http_status": status,
            "status": status_name if isinstance(status_name, str) else None,
            "details": details,
            "body": envelope,
            "text": text,
            "method": method,
            "url": str(url),
            "headers": {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"},
            "outcome_unknown": outcome_unknown,
            "hint": hint,
        }
        if cls is RateLimitError:
            kwargs["retry_after"] = RetryPolicy.parse_retry_after(
                response.headers.get("Retry-After")
            )
        return cls(message, **kwargs)
