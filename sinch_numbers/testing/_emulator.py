"""`NumbersEmulator`: the aiohttp server, the OAuth token endpoint, authentication, request
recording, fault injection and dispatch to the route table."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import importlib
import json
import logging
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from ._faults import Fault, FaultAction, FaultInjector, InjectedFault, format_retry_after
from ._routes import RequestContext, RouteMatch, Router
from ._state import CallbackDelivery, EmulatorState, EmulatorStats
from ._wire import ApiError, error_body, json_response

if TYPE_CHECKING:
    from sinch_numbers import NumbersClient

__all__ = [
    "DEFAULT_HMAC_SECRET",
    "DEFAULT_PORT",
    "ROUTE_MODULES",
    "NumbersEmulator",
    "RecordedRequest",
    "format_connection_info",
    "serve_forever",
]

logger = logging.getLogger("sinch_numbers.testing")

TOKEN_PATH: Final = "/oauth2/token"  # noqa: S105 - a URL path
DEFAULT_PORT: Final = 8013
DEFAULT_HMAC_SECRET: Final = "emulator-hmac-secret-0123456789abcdef"  # noqa: S105 - fake
#: Largest request body the emulator reads; above it the answer is 413 CONTENT_TOO_LARGE.
MAX_BODY_SIZE: Final = 32 * 1024 * 1024
#: Modules whose `register(router)` adds operations; missing ones are skipped, so a later
#: `_orders.py` (Number Orders) plugs in by existing.
ROUTE_MODULES: Final = ("sinch_numbers.testing._numbers", "sinch_numbers.testing._orders")
_DEFAULT_CHAOS_KINDS: Final = tuple(Fault)
_HMAC_SECRET: Final = re.compile(r"[a-zA-Z0-9-]{32,64}")


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the emulator received, and what it did with it."""

    method: str
    path: str  # percent-decoded, e.g. /v1/projects/p/activeNumbers/+12025550134
    raw_path: str  # as sent, e.g. /v1/projects/p/activeNumbers/%2B12025550134
    query: list[tuple[str, str]]  # decoded pairs in order, repeats kept
    headers: CIMultiDictProxy[str] = field(repr=False)
    body: bytes = field(repr=False)
    status: int | None  # None when the connection was dropped
    fault: Fault | None
    time: float  # time.time() when it arrived (the log is in order of completion)
    operation: str | None  # operationId, "oauth2.token", or None when no route matched

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def _load_route_modules(router: Router, modules: Iterable[str]) -> None:
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(router)


class NumbersEmulator:
    """An in-process, stateful fake of the Sinch Numbers v1 API and its OAuth token endpoint.

    ```python
    async with NumbersEmulator(seed=1, active_numbers=50) as emu:
        async with emu.client() as client:
            number = await client.available_numbers.rent_any(region_code="US", number_type="LOCAL")
        emu.inject(Fault.RATE_LIMIT, times=2, retry_after=0.01)
    ```

    Parameters (all keyword-only):
    - `seed`: makes the number catalogue, event ids, page tokens and chaos reproducible.
    - `project_id`, `key_id`, `key_secret`: the one project and access key it accepts.
    - `host`, `port`: where to listen (`port=0` picks a free port).
    - `token_lifetime`: seconds an OAuth token stays valid.
    - `provisioning_delay`: seconds until SMS/voice provisioning completes.
    - `hmac_secret`: initial callbackConfiguration secret that signs callbacks (None: unsigned).
    - `active_numbers`: pre-rented US LOCAL numbers (fast path, see `add_active_numbers`).
    - `latency`: seconds added to every API request.
    - `allow_external_callbacks`: also POST callbacks to non-loopback hosts.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        project_id: str = "emulator-project",
        key_id: str = "emulator-key-id",
        key_secret: str = "emulator-key-secret",  # noqa: S107 - the emulator's fake key
        host: str = "127.0.0.1",
        port: int = 0,
        token_lifetime: float = 3600.0,
        provisioning_delay: float = 0.2,
        hmac_secret: str | None = DEFAULT_HMAC_SECRET,
        active_numbers: int = 0,
        latency: float = 0.0,
        allow_external_callbacks: bool = False,
    ) -> None:
        if hmac_secret is not None and not _HMAC_SECRET.fullmatch(hmac_secret):
            raise ValueError("hmac_secret must match ^[a-zA-Z0-9-]{32,64}$")
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be between 0 and 65535 (0 picks a free one), got {port}")
        if not (math.isfinite(token_lifetime) and token_lifetime > 0):
            raise ValueError(f"token_lifetime must be a positive number, got {token_lifetime}")
        _check_seconds("provisioning_delay", provisioning_delay)
        _check_seconds("latency", latency)
        if active_numbers < 0:
            raise ValueError(f"active_numbers must not be negative, got {active_numbers}")
        self.seed = seed
        self.project_id = project_id
        self.key_id = key_id
        self.key_secret = key_secret
        self.host = host
        self.port = port
        self.token_lifetime = token_lifetime
        self.latency = latency
        self.stats = EmulatorStats()
        self.state = EmulatorState(
            seed=seed,
            project_id=project_id,
            hmac_secret=hmac_secret,
            provisioning_delay=provisioning_delay,
            allow_external_callbacks=allow_external_callbacks,
            stats=self.stats,
        )
        self.router = Router()
        _load_route_modules(self.router, ROUTE_MODULES)
        self.requests: list[RecordedRequest] = []
        self._faults = FaultInjector()
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        if active_numbers:
            self.add_active_numbers(active_numbers)

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start listening; `base_url` is valid afterwards."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        self.state.open()
        app = web.Application(client_max_size=MAX_BODY_SIZE)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.port = port
        shown = f"[{host}]" if ":" in host else host
        self._base_url = f"http://{shown}:{port}"
        logger.info("Numbers emulator listening on %s", self._base_url)

    async def stop(self) -> None:
        """Stop the server, then background work; pending connections are closed."""
        # The server goes first: requests already being handled finish (they may still start
        # provisioning), and only then is background work cancelled.
        self._base_url = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        await self.state.aclose()

    async def __aenter__(self) -> NumbersEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def __repr__(self) -> str:
        where = self._base_url or "not running"
        return (
            f"<NumbersEmulator {where} project_id={self.project_id!r} "
            f"active_numbers={len(self.state.numbers)}>"
        )

    # -- addresses and credentials ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` (only while running)."""
        if self._base_url is None:
            raise RuntimeError("the emulator is not running: use `async with` or start()")
        return self._base_url

    @property
    def auth_url(self) -> str:
        """The OAuth2 token URL, `{base_url}/oauth2/token`."""
        return self.base_url + TOKEN_PATH

    @property
    def hmac_secret(self) -> str | None:
        """The current callbackConfiguration hmacSecret (changes with PATCH)."""
        return self.state.hmac_secret

    def client(self, **kwargs: Any) -> NumbersClient:
        """A `NumbersClient` for this emulator's project and key; keyword arguments are
        passed through (e.g. `auth="basic"`, `retry=...`)."""
        from sinch_numbers import NumbersClient

        options: dict[str, Any] = {"base_url": self.base_url, "auth_url": self.auth_url}
        options.update(kwargs)
        return NumbersClient(self.project_id, self.key_id, self.key_secret, **options)

    def connection_info(self) -> dict[str, str]:
        """URLs and credentials to reach the emulator (secrets included, on purpose)."""
        return {
            "base_url": self.base_url,
            "auth_url": self.auth_url,
            "project_id": self.project_id,
            "key_id": self.key_id,
            "key_secret": self.key_secret,
            "hmac_secret": self.state.hmac_secret or "",
        }

    def environment(self) -> dict[str, str]:
        """The `SINCH_*` variables `NumbersClient.from_env()` reads, pointing here."""
        return {
            "SINCH_PROJECT_ID": self.project_id,
            "SINCH_KEY_ID": self.key_id,
            "SINCH_KEY_SECRET": self.key_secret,
            "SINCH_NUMBERS_URL": self.base_url,
            "SINCH_AUTH_URL": self.auth_url,
        }

    # -- inspection ----------------------------------------------------------------------

    @property
    def callbacks_sent(self) -> list[CallbackDelivery]:
        """Every callback delivery attempt: `(url, body, signature, status)`."""
        return self.state.callbacks_sent

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every callback event generated, delivered or not (e.g. numbers without a URL)."""
        return self.state.events

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self.requests.clear()

    def active_number(self, phone_number: str) -> dict[str, Any] | None:
        """The ActiveNumber JSON the API would return now, or None if not rented."""
        number = self.state.numbers.get(phone_number)
        return number.to_json() if number else None

    def active_phone_numbers(self) -> list[str]:
        """All rented numbers, sorted."""
        return list(self.state.numbers.phones())

    async def wait_callbacks(self, n: int, timeout: float = 5.0) -> None:
        """Wait until `n` callbacks in total were delivered (answered 2xx)."""
        await self.state.wait_callbacks(n, timeout)

    # -- state shortcuts --------------------------------------------------------------------

    def add_active_numbers(
        self,
        n: int,
        *,
        region_code: str = "US",
        number_type: str = "LOCAL",
        capabilities: Sequence[str] | None = None,
        display_name: str | Callable[[int], str] = "",
        callback_url: str = "",
        service_plan_id: str = "",
        campaign_id: str = "",
        voice_type: str = "RTC",
        voice_id: str = "",
    ) -> list[str]:
        """Rent `n` numbers at once, already provisioned (no callbacks), and return them.

        `display_name` may be a callable of the index in this batch (0, 1, ...), or a string
        where `{i}` is replaced by it. `capabilities` defaults to the region/type's usual set.
        `service_plan_id`, `campaign_id`, `voice_type` and `voice_id` set the (already
        provisioned) configuration.
        """
        name: str | Callable[[int], str] = display_name
        if isinstance(display_name, str) and "{i}" in display_name:
            template = display_name

            def name(i: int) -> str:
                return template.replace("{i}", str(i))

        made = self.state.bulk_activate(
            n,
            region_code=region_code,
            number_type=number_type,
            capabilities=capabilities,
            display_name=name,
            callback_url=callback_url,
            service_plan_id=service_plan_id,
            campaign_id=campaign_id,
            voice_type=voice_type,
            voice_id=voice_id,
        )
        return [m.phone_number for m in made]

    def expire_tokens(self) -> None:
        """Make every token issued so far expired (the API answers 401 "token expired")."""
        for token in self._tokens:
            self._tokens[token] = -math.inf

    # -- faults ----------------------------------------------------------------------------

    def inject(
        self,
        kind: Fault | str,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        retry_after: float | None = 1.0,
        status: int = 500,
        delay: float = 0.1,
    ) -> None:
        """Queue `kind` for the next `times` matching requests (`None`: until
        `clear_faults()`). `method` filters on the HTTP method; `path` is a substring of, or
        a compiled regex searched in, the decoded path. Without `path` only API requests
        match; give `path="/oauth2/token"` to hit the token endpoint. `retry_after` is the
        429's `Retry-After` (None: header omitted), `status` the SERVER_ERROR code, `delay`
        the LATENCY sleep."""
        fault = Fault(kind)
        _check_seconds("delay", delay)
        if retry_after is not None:
            _check_seconds("retry_after", retry_after)
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for unlimited)")
        if fault is Fault.SERVER_ERROR and not 500 <= status <= 599:
            raise ValueError("SERVER_ERROR status must be 5xx")
        action = FaultAction(fault, retry_after=retry_after, status=status, delay=delay)
        self._faults.inject(InjectedFault(action, times, method, path))

    def clear_faults(self) -> None:
        """Drop every queued injected fault (chaos stays as configured)."""
        self._faults.clear()

    @property
    def pending_faults(self) -> int:
        """How many injected faults are still queued."""
        return len(self._faults.queue)

    def chaos(
        self,
        rate: float = 0.2,
        *,
        seed: int | None = None,
        kinds: Iterable[Fault | str] = _DEFAULT_CHAOS_KINDS,
        retry_after: float | None = 0.01,
        delay: float = 0.05,
        include_token_endpoint: bool = False,
    ) -> None:
        """Random faults on about `rate` of API requests, reproducible from `seed` (default:
        the emulator's seed). `chaos(0)` turns it off. The token endpoint is spared unless
        `include_token_endpoint`, and then gets only LATENCY, RATE_LIMIT and SERVER_ERROR."""
        _check_seconds("delay", delay)
        if retry_after is not None:
            _check_seconds("retry_after", retry_after)
        self._faults.set_chaos(
            rate,
            seed=self.seed if seed is None else seed,
            kinds=kinds,
            retry_after=retry_after,
            delay=delay,
            include_token_endpoint=include_token_endpoint,
        )

    # -- request handling ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        arrived = time.time()
        try:
            body = await request.read()
            too_large = False
        except web.HTTPRequestEntityTooLarge:
            body, too_large = b"", True
        path = request.path
        is_token = path == TOKEN_PATH
        match = None if is_token else self.router.match(request.method, path)
        authorization = request.headers.get("Authorization", "")
        scheme, _, credentials = authorization.partition(" ")
        bearer = credentials.strip() if scheme.lower() == "bearer" else None
        stats = self.stats
        stats.requests += 1
        if is_token:
            stats.token_requests += 1
        else:
            stats.api_requests += 1
        fault = None
        if not too_large:
            fault = self._faults.pick(
                request.method,
                path,
                request.rel_url.raw_path_qs,
                is_token=is_token,
                has_bearer=bearer is not None,
            )
        if fault is not None:
            stats.faults[fault.kind] += 1
        status: int | None = None
        if match is None:
            operation: str | None = "oauth2.token"
        else:
            operation = match.route.operation if match.route else None
        try:
            if too_large:
                refused = _content_too_large(path)
                status = refused.status
                return refused
            if self.latency and not is_token:
                await asyncio.sleep(self.latency)
            if fault is not None:
                if fault.kind is Fault.DROP_BEFORE:
                    return self._drop(request)
                early = await self._fault_before(request, fault, bearer, is_token)
                if early is not None:
                    status = early.status
                    return early
            response: web.StreamResponse
            if match is None:
                response = self._token_endpoint(request, body)
            else:
                response = await self._api(request, body, match)
            if fault is not None and fault.kind is Fault.DROP_AFTER:
                return self._drop(request)
            status = response.status
            return response
        finally:
            self.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=path,
                    raw_path=request.rel_url.raw_path,
                    query=list(request.rel_url.query.items()),
                    headers=CIMultiDictProxy(CIMultiDict(request.headers)),
                    body=body,
                    status=status,
                    fault=fault.kind if fault else None,
                    time=arrived,
                    operation=operation,
                )
            )
            logger.debug("%s %s -> %s", request.method, path, status if status else "dropped")

    async def _fault_before(
        self, request: web.Request, fault: FaultAction, bearer: str | None, is_token: bool
    ) -> web.StreamResponse | None:
        """The response a fault gives instead of processing the request, or None to go on."""
        kind = fault.kind
        if kind is Fault.LATENCY:
            await asyncio.sleep(fault.delay)
            return None
        if kind is Fault.RATE_LIMIT:
            headers = {}
            if fault.retry_after is not None:
                headers["Retry-After"] = format_retry_after(fault.retry_after)
            if is_token:
                return json_response(
                    {"error": "rate_limit_exceeded", "error_description": "Too many requests"},
                    status=429,
                    headers=headers,
                )
            return json_response(
                error_body(429, "Too many requests, retry later"), status=429, headers=headers
            )
        if kind is Fault.SERVER_ERROR:
            if is_token:
                return json_response(
                    {"error": "temporarily_unavailable", "error_description": "Try again"},
                    status=fault.status,
                )
            message = "Internal error" if fault.status == 500 else "Service temporarily unavailable"
            return json_response(error_body(fault.status, message), status=fault.status)
        if kind is Fault.TOKEN_EXPIRY and not is_token:
            if bearer is not None and bearer in self._tokens:
                self._tokens[bearer] = -math.inf
            return _unauthenticated("token expired", expired=True).response()
        return None

    @staticmethod
    def _drop(request: web.Request) -> web.StreamResponse:
        """Close the connection without answering; the returned response is never sent."""
        transport = request.transport
        if transport is not None:
            transport.close()
        return web.Response(status=204)

    def _token_endpoint(self, request: web.Request, body: bytes) -> web.Response:
        if request.method != "POST":
            return json_response(
                {"error": "invalid_request", "error_description": "use POST"},
                status=405,
                headers={"Allow": "POST"},
            )
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return _oauth_error(400, "invalid_request", "body must be form-urlencoded")
        try:
            form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            return _oauth_error(400, "invalid_request", "malformed form body")
        basic = _basic_credentials(request.headers.get("Authorization", ""))
        if basic is None and "client_id" in form:
            basic = (form.get("client_id", ""), form.get("client_secret", ""))
        if basic is None or not self._key_matches(*basic):
            return _oauth_error(
                401,
                "invalid_client",
                "client authentication failed",
                {"WWW-Authenticate": 'Basic realm="sinch"'},
            )
        grant = form.get("grant_type")
        if grant is None:
            return _oauth_error(400, "invalid_request", "grant_type is required")
        if grant != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", f"{grant} is not supported")
        token = secrets.token_urlsafe(32)
        self._tokens[token] = time.monotonic() + self.token_lifetime
        self.stats.tokens_issued += 1
        return json_response(
            {
                "access_token": token,
                "expires_in": math.ceil(self.token_lifetime),
                "scope": "",
                "token_type": "bearer",
            },
            headers={"Cache-Control": "no-store"},
        )

    def _key_matches(self, key_id: str, key_secret: str) -> bool:
        ok_id = hmac.compare_digest(key_id.encode(), self.key_id.encode())
        ok_secret = hmac.compare_digest(key_secret.encode(), self.key_secret.encode())
        return ok_id and ok_secret

    def _authenticate(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            creds = _basic_credentials(header)
            if creds is None or not self._key_matches(*creds):
                raise _unauthenticated("invalid key id or key secret")
            return
        if scheme == "bearer":
            expiry = self._tokens.get(value.strip())
            if expiry is None:
                raise _unauthenticated("invalid access token")
            if time.monotonic() >= expiry:
                raise _unauthenticated("token expired", expired=True)
            return
        raise _unauthenticated("missing or unsupported Authorization header")

    async def _api(
        self, request: web.Request, body: bytes, match: RouteMatch
    ) -> web.StreamResponse:
        try:
            self._authenticate(request)
            route = match.route
            if route is None:
                if match.allowed_methods:
                    allowed = ", ".join(sorted(set(match.allowed_methods)))
                    raise ApiError(
                        405,
                        f"method {request.method} is not allowed here (allowed: {allowed})",
                        headers={"Allow": allowed},
                    )
                raise ApiError(404, f"no operation at {request.method} {request.path}")
            project = match.params.get("projectId")
            if project is not None and project != self.project_id:
                raise ApiError(
                    403,
                    f"permission denied on project {project}: check projectId, key id and "
                    "key secret",
                )
            ctx = RequestContext(request, self.state, match.params, body, route.operation)
            return await route.handler(ctx)
        except ApiError as exc:
            return exc.response()
        except Exception as exc:
            logger.exception("emulator handler failed for %s %s", request.method, request.path)
            return json_response(
                error_body(500, f"emulator bug: {type(exc).__name__}: {exc}"), status=500
            )


def _check_seconds(name: str, value: float) -> None:
    """A duration must be finite and not negative (`asyncio.sleep(nan)` never returns)."""
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a number of seconds, 0 or more, got {value}")


def _content_too_large(path: str) -> web.Response:
    """413 CONTENT_TOO_LARGE for a body above the HTTP limit, in the API's envelope."""
    description = f"request body larger than {MAX_BODY_SIZE} bytes"
    detail = {"type": "RequestEntityTooLarge", "resourceName": path, "description": description}
    return ApiError(413, f"the {description}", [detail]).response()


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    key_id, sep, key_secret = decoded.partition(":")
    return (key_id, key_secret) if sep else None


def _unauthenticated(reason: str, *, expired: bool = False) -> ApiError:
    if expired:
        challenge = 'Bearer error="invalid_token", error_description="token expired"'
    elif reason.startswith("missing"):
        challenge = 'Basic realm="sinch", Bearer realm="sinch"'
    else:
        challenge = 'Bearer error="invalid_token", error_description="invalid credentials"'
    return ApiError(401, reason, headers={"WWW-Authenticate": challenge})


def _oauth_error(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> web.Response:
    return json_response(
        {"error": error, "error_description": description}, status=status, headers=headers
    )


def format_connection_info(emulator: NumbersEmulator) -> str:
    """Human-readable URLs, credentials and `export` lines for a running emulator."""
    info = emulator.connection_info()
    lines = [
        "Sinch Numbers emulator running",
        f"  API base URL : {info['base_url']}",
        f"  Token URL    : {info['auth_url']}",
        f"  Project ID   : {info['project_id']}",
        f"  Key ID       : {info['key_id']}",
        f"  Key secret   : {info['key_secret']}",
        f"  HMAC secret  : {info['hmac_secret']}",
        "",
        "Environment for NumbersClient.from_env():",
        *(f"  export {k}={v}" for k, v in emulator.environment().items()),
    ]
    return "\n".join(lines)


async def serve_forever(
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    on_ready: Callable[[NumbersEmulator], object] | None = None,
    **options: Any,
) -> None:
    """Run an emulator until cancelled (e.g. Ctrl-C under `asyncio.run`). `on_ready` gets the
    running emulator (e.g. `lambda emu: print(format_connection_info(emu))`); other keyword
    arguments go to `NumbersEmulator`."""
    async with NumbersEmulator(host=host, port=port, **options) as emulator:
        if on_ready is not None:
            on_ready(emulator)
        await asyncio.Event().wait()
