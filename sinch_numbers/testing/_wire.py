"""Wire-level helpers shared by the emulator's handlers: JSON responses, error envelopes,
timestamps and request-value validation. JSON only; nothing here knows the SDK's models."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from aiohttp import web

__all__ = [
    "CAPABILITIES",
    "E164",
    "NUMBER_TYPES",
    "SEARCH_PATTERNS",
    "VOICE_ID_FIELDS",
    "ApiError",
    "error_body",
    "format_callback_timestamp",
    "format_timestamp",
    "invalid_argument",
    "json_response",
    "not_found",
    "parse_enum",
    "permission_denied",
    "prune_nulls",
    "status_name",
]

NUMBER_TYPES: Final = ("MOBILE", "LOCAL", "TOLL_FREE")
CAPABILITIES: Final = ("SMS", "VOICE")
SEARCH_PATTERNS: Final = ("START", "CONTAINS", "END")
#: The id field each voice application type carries.
VOICE_ID_FIELDS: Final[Mapping[str, str]] = {"RTC": "appId", "EST": "trunkId", "FAX": "serviceId"}
E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")

_STATUS_NAMES: Final[Mapping[int, str]] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    413: "CONTENT_TOO_LARGE",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def status_name(http_status: int) -> str:
    """The Google-style `error.status` string Sinch uses for an HTTP status."""
    return _STATUS_NAMES.get(http_status, "UNKNOWN")


def error_body(
    http_status: int,
    message: str,
    details: Sequence[Mapping[str, Any]] = (),
    status: str | None = None,
) -> dict[str, Any]:
    """`{"error": {"code", "message", "status", "details"}}`, the Numbers API error envelope."""
    return {
        "error": {
            "code": http_status,
            "message": message,
            "status": status or status_name(http_status),
            "details": [dict(d) for d in details],
        }
    }


class ApiError(Exception):
    """Raised by a handler to answer with a Sinch error envelope."""

    def __init__(
        self,
        http_status: int,
        message: str,
        details: Sequence[Mapping[str, Any]] = (),
        *,
        status: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.message = message
        self.details = list(details)
        self.status = status or status_name(http_status)
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        """This error as an aiohttp response."""
        return json_response(
            error_body(self.http_status, self.message, self.details, self.status),
            status=self.http_status,
            headers=self.headers,
        )


def invalid_argument(message: str, *violations: tuple[str, str]) -> ApiError:
    """400 INVALID_ARGUMENT; each violation is `(field, description)`."""
    details: list[dict[str, Any]] = []
    if violations:
        details.append(
            {
                "type": "BadRequest",
                "fieldViolations": [{"field": f, "description": d} for f, d in violations],
            }
        )
    return ApiError(400, message, details)


def not_found(resource_type: str, resource_name: str, description: str | None = None) -> ApiError:
    """404 NOT_FOUND with a `ResourceInfo` detail naming the missing resource."""
    text = description or f"{resource_type} {resource_name or '(unspecified)'} not found"
    detail = {
        "type": "ResourceInfo",
        "resourceType": resource_type,
        "resourceName": resource_name,
        "owner": "",
        "description": text,
    }
    return ApiError(404, text, [detail])


def permission_denied(message: str, description: str = "") -> ApiError:
    """403 PERMISSION_DENIED."""
    details: list[dict[str, Any]] = []
    if description:
        details.append(
            {
                "type": "ResourceInfo",
                "resourceType": "",
                "resourceName": "",
                "owner": "",
                "description": description,
            }
        )
    return ApiError(403, message, details)


def parse_enum(field: str, value: str, allowed: Iterable[str]) -> str:
    """`value` if it is one of `allowed`, else the API's 400 for a bad enum value."""
    if value in allowed:
        return value
    raise invalid_argument(
        f'parsing field "{field}": "{value}" is not a valid value',
        (field, f"must be one of {', '.join(allowed)}"),
    )


def prune_nulls(value: Any) -> Any:
    """A copy of a JSON value without `null` object members (the API omits nulls)."""
    if isinstance(value, dict):
        return {k: prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune_nulls(v) for v in value]
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_response(
    data: Any,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    prune: bool = True,
) -> web.Response:
    """A JSON response; object members that are `null` are dropped unless `prune` is false."""
    body = prune_nulls(data) if prune else data
    return web.Response(
        text=_dumps(body),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def format_timestamp(moment: datetime) -> str:
    """API timestamps: UTC with milliseconds and `Z`, e.g. `2026-12-01T10:00:00.000Z`."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def format_callback_timestamp(moment: datetime) -> str:
    """Callback timestamps: UTC, microseconds, no zone, e.g. `2024-07-23T14:02:14.415637`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
