"""Capture the exact HTTP exchanges between the SDK and the emulator, and check them against
the official spec with openapi-core (a real OpenAPI validator), plus the strict checks of
`tests.spec_validation` (which use the patched copy in `spec/`).

```python
async with NumbersEmulator() as emu, Wire(emu) as wire:
    await wire.client.active_numbers.get("+12130000000")
for exchange in wire.exchanges():
    check_exchange(exchange)
```

How a captured request is fed to openapi-core (`openapi_core.protocols.Request`):

* `host_url` is the spec's only server, `https://numbers.api.sinch.com`: the emulator's
  `http://127.0.0.1:PORT` origin is mapped onto it, the path and query are kept byte for byte.
* `parameters.query` is a werkzeug `ImmutableMultiDict` of the decoded pairs in wire order,
  so repeated keys (`capability=SMS&capability=VOICE`) are validated as form/explode arrays.
* `content_type` keeps the multipart `boundary` parameter as sent (only the media type is
  lower-cased), since lower-casing a boundary would break multipart parsing.
* Security: openapi-core checks only the scheme word of an `http` scheme and ignores `oauth2`
  (it warns "Unsupported scheme type" and accepts anything). The factory below replaces both
  providers: `Basic` must carry base64 `keyId:keySecret`, `OAuth2.0` a `Bearer` token.

openapi-core allows undeclared object members (the spec never says `additionalProperties:
false`) and its own `additional_properties_default_policy="forbid"` cannot be used: it is
applied to each `allOf` part separately, so it rejects every composed schema (all voice
configurations, `smsConfiguration`, ...). Undeclared members are therefore caught by
`tests.spec_validation` (strict mode), which merges `allOf` parts and follows the discriminator.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
import yaml
from multidict import CIMultiDictProxy
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.security.exceptions import SecurityProviderError
from openapi_core.security.factories import SecurityProviderFactory
from openapi_core.security.providers import BaseProvider
from werkzeug.datastructures import Headers, ImmutableMultiDict

from sinch_numbers import NumbersClient
from sinch_numbers.testing import NumbersEmulator, RecordedRequest
from tests.spec_validation import SPEC_PATH, SpecViolation, find_operation
from tests.spec_validation import validate_request as strict_validate_request
from tests.spec_validation import validate_response as strict_validate_response

__all__ = [
    "SPEC_SERVER",
    "CapturedResponse",
    "Exchange",
    "Wire",
    "WireRequest",
    "WireResponse",
    "check_exchange",
    "check_request",
    "check_response",
    "official_spec",
    "openapi",
    "openapi_request_errors",
    "openapi_response_errors",
]

#: The spec's only server; captured requests are validated as if sent there.
SPEC_SERVER = "https://numbers.api.sinch.com"
#: openapi-core reads the official file unpatched: it resolves the voice `oneOf` through its
#: `discriminator`, so the branch ambiguity that `tests.spec_validation` patches away (a plain
#: JSON-Schema validator ignores discriminators) does not affect it.
OFFICIAL_SPEC_PATH = SPEC_PATH.with_name("sinch-numbers-api-openapi.orig.yaml")
TOKEN_OPERATION = "oauth2.token"


class _BasicCredentials(BaseProvider):
    """`Authorization: Basic base64(keyId:keySecret)`."""

    def __call__(self, parameters: RequestParameters) -> Any:
        scheme, _, credentials = str(parameters.header.get("Authorization", "")).partition(" ")
        if scheme.lower() != "basic":
            raise SecurityProviderError("no Basic credentials")
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise SecurityProviderError("Basic credentials are not base64 UTF-8") from None
        key_id, colon, secret = decoded.partition(":")
        if not (key_id and colon and secret):
            raise SecurityProviderError("Basic credentials are not keyId:keySecret")
        return credentials


class _BearerToken(BaseProvider):
    """`Authorization: Bearer <access_token>` from the client-credentials flow."""

    def __call__(self, parameters: RequestParameters) -> Any:
        scheme, _, token = str(parameters.header.get("Authorization", "")).partition(" ")
        if scheme != "Bearer" or not token or any(c.isspace() for c in token):
            raise SecurityProviderError("no Bearer token")
        return token


class _SecurityProviders(SecurityProviderFactory):
    PROVIDERS = {  # noqa: RUF012 - overrides the base class's plain attribute
        **SecurityProviderFactory.PROVIDERS,
        "http": _BasicCredentials,  # the spec's only http scheme is `basic`
        "oauth2": _BearerToken,
    }


@functools.cache
def official_spec() -> dict[str, Any]:
    """The official spec exactly as Sinch publishes it (not the patched copy)."""
    with OFFICIAL_SPEC_PATH.open(encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    return spec


@functools.cache
def openapi() -> OpenAPI:
    """openapi-core's validator for the official, unpatched spec (built once)."""
    spec = official_spec()
    schemes = spec["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values() if s["type"] == "http"] == ["basic"]
    assert [s["url"] for s in spec["servers"]] == [SPEC_SERVER]
    return OpenAPI.from_dict(spec, config=Config(security_provider_factory=_SecurityProviders()))


def _content_type(headers: CIMultiDictProxy[str] | dict[str, str]) -> str:
    value = headers.get("Content-Type", "")
    media, sep, params = value.partition(";")
    return media.strip().lower() + (sep + params if sep else "")


@dataclass
class WireRequest:
    """A captured request in the shape of `openapi_core.protocols.Request`."""

    method: str
    path: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None
    host_url: str = SPEC_SERVER

    @classmethod
    def from_record(cls, record: RecordedRequest) -> WireRequest:
        """The request exactly as the emulator received it."""
        return cls(
            method=record.method.lower(),
            path=record.raw_path,
            parameters=RequestParameters(
                query=ImmutableMultiDict(record.query),
                header=Headers(list(record.headers.items())),
            ),
            content_type=_content_type(record.headers),
            body=record.body or None,
        )


@dataclass(frozen=True)
class WireResponse:
    """A captured response in the shape of `openapi_core.protocols.Response`."""

    status_code: int
    content_type: str
    headers: dict[str, str]
    data: bytes | None


@dataclass(frozen=True)
class CapturedResponse:
    """A response as the SDK's aiohttp session read it."""

    method: str
    raw_path: str
    query: tuple[tuple[str, str], ...]
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def key(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        return (self.method, self.raw_path, self.query)


@dataclass(frozen=True)
class Exchange:
    """One request the SDK sent and the response it read."""

    request: RecordedRequest
    response: CapturedResponse

    @property
    def operation(self) -> str:
        """The spec's operationId for the request."""
        return find_operation(self.request.method, self.request.raw_path)[0].operation_id

    def json(self) -> Any:
        """The request body as JSON (None without a body)."""
        return json.loads(self.request.body) if self.request.body else None


def _describe(error: BaseException) -> str:
    lines = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    while cause is not None:
        for schema_error in getattr(cause, "schema_errors", ()):
            where = "/".join(str(p) for p in getattr(schema_error, "absolute_path", ()))
            lines.append(f"  /{where}: {getattr(schema_error, 'message', schema_error)}")
        cause = cause.__cause__
    return "\n".join(lines)


def openapi_request_errors(request: WireRequest) -> list[str]:
    """Every problem openapi-core finds with a request (empty when it validates)."""
    return [_describe(e) for e in openapi().iter_request_errors(request)]


def openapi_response_errors(request: WireRequest, response: WireResponse) -> list[str]:
    """Every problem openapi-core finds with a response to a request."""
    return [_describe(e) for e in openapi().iter_response_errors(request, response)]


def _header_problems(record: RecordedRequest) -> list[str]:
    problems: list[str] = []
    content_type = record.headers.get("Content-Type")
    if record.headers.get("Accept") != "application/json":
        problems.append(f"Accept is {record.headers.get('Accept')!r}, not application/json")
    if record.body:
        multipart = "/attachments/" in record.path
        if multipart and not (content_type or "").startswith("multipart/form-data; boundary="):
            problems.append(f"upload Content-Type is {content_type!r}, not multipart/form-data")
        if not multipart and content_type != "application/json":
            problems.append(f"JSON body sent with Content-Type {content_type!r}")
    elif content_type not in (None, "application/octet-stream"):
        # aiohttp adds application/octet-stream to every body-less POST/PUT/PATCH; pinned as a
        # known wart by TestKnownDivergences, anything else is drift.
        problems.append(f"body-less request with Content-Type {content_type!r}")
    return problems


def check_request(record: RecordedRequest) -> None:
    """Validate a captured API request with openapi-core, then strictly (undeclared members,
    E.164 path numbers) with `tests.spec_validation`, and check its headers."""
    problems = openapi_request_errors(WireRequest.from_record(record))
    problems += _header_problems(record)
    if not record.headers.get("Content-Type", "").startswith("multipart/"):
        try:
            strict_validate_request(
                record.method, record.raw_path, record.query, record.headers, record.body or None
            )
        except SpecViolation as exc:
            problems.append(str(exc))
    if problems:
        raise SpecViolation(
            f"{record.method} {record.raw_path} {record.query} violates the spec:\n"
            + "\n".join(problems)
        )


def check_response(exchange: Exchange) -> None:
    """Validate the emulator's response with openapi-core and strictly with
    `tests.spec_validation` (undeclared members, nulls)."""
    request, response = exchange.request, exchange.response
    wire = WireResponse(
        response.status, _content_type(response.headers), response.headers, response.body or None
    )
    problems = openapi_response_errors(WireRequest.from_record(request), wire)
    try:
        strict_validate_response(request.method, request.raw_path, response.status, response.body)
    except SpecViolation as exc:
        problems.append(str(exc))
    if problems:
        raise SpecViolation(
            f"response {response.status} to {request.method} {request.raw_path} violates the "
            "spec:\n" + "\n".join(problems)
        )


def check_exchange(exchange: Exchange) -> None:
    """Check both halves of an exchange."""
    check_request(exchange.request)
    check_response(exchange)


def _recording_response_class(log: list[CapturedResponse]) -> type[aiohttp.ClientResponse]:
    class RecordingResponse(aiohttp.ClientResponse):
        """Keeps a copy of every body the SDK reads."""

        async def read(self) -> bytes:
            body = await super().read()
            log.append(
                CapturedResponse(
                    method=self.method,
                    raw_path=self.url.raw_path,
                    query=tuple(self.url.query.items()),
                    status=self.status,
                    headers=dict(self.headers),
                    body=body,
                )
            )
            return body

    return RecordingResponse


@dataclass
class Wire:
    """An SDK client of an emulator whose aiohttp session keeps every response body, so each
    request in `emu.requests` can be paired with the response the SDK read."""

    emu: NumbersEmulator
    auth: str = "basic"
    responses: list[CapturedResponse] = field(default_factory=list)
    _session: aiohttp.ClientSession | None = None
    _client: NumbersClient | None = None

    @property
    def client(self) -> NumbersClient:
        assert self._client is not None, "use `async with Wire(emu) as wire`"
        return self._client

    async def __aenter__(self) -> Wire:
        self._session = aiohttp.ClientSession(
            response_class=_recording_response_class(self.responses)
        )
        self._client = self.emu.client(auth=self.auth, session=self._session)
        await self._client.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._client is not None:
                await self._client.__aexit__(exc_type, exc, tb)
        finally:
            if self._session is not None:
                await self._session.close()

    def forget(self) -> None:
        """Drop what was captured so far (after a test's setup calls)."""
        self.emu.clear_requests()
        self.responses.clear()

    def exchanges(self, *, include_token: bool = False) -> list[Exchange]:
        """Every request the emulator saw from this client, in arrival order, paired with the
        response the SDK read for it (matched by method, raw path and query)."""
        pending: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[CapturedResponse]] = {}
        for response in self.responses:
            pending.setdefault(response.key, []).append(response)
        paired: list[Exchange] = []
        for record in self.emu.requests:
            key = (record.method, record.raw_path, tuple(record.query))
            answers = pending.get(key)
            assert answers, f"no response was read for {record.method} {record.raw_path}"
            response = answers.pop(0)
            if include_token or record.operation != TOKEN_OPERATION:
                paired.append(Exchange(record, response))
        left = [r for rs in pending.values() for r in rs]
        assert not left, f"responses without a recorded request: {left}"
        return paired
