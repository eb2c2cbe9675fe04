"""Exceptions raised by sinch_numbers.

Everything the SDK raises on purpose derives from :class:`SinchNumbersError`, except argument
errors, which are plain :class:`ValueError` / :class:`TypeError` raised before any request.
No exception text ever contains a key secret, token or HMAC secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import attrs

__all__ = [
    "ApiError",
    "AuthenticationError",
    "CallbackParseError",
    "ClientClosedError",
    "FieldViolation",
    "InvalidArgumentError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseDecodeError",
    "ServerError",
    "SinchNumbersError",
    "TransportError",
]

_RAW_TEXT_LIMIT = 2000


class SinchNumbersError(Exception):
    """Base class of every error the SDK raises on purpose."""


@attrs.frozen
class FieldViolation:
    """One rejected field of a 400 ``INVALID_ARGUMENT`` answer."""

    field: str
    description: str


class ApiError(SinchNumbersError):
    """The API answered with a non-2xx status.

    Attributes:
        http_status: the HTTP status code.
        status: the envelope's ``status`` string (``"NOT_FOUND"``...), or ``None``.
        message: the envelope's ``message``, or a short description of the raw body.
        details: the envelope's ``details`` list (possibly empty).
        body: the parsed error envelope (``{"error": {...}}``), or ``None`` if the body was not
            JSON.
        text: the raw response text (truncated to a few KB).
        method / url: the request that failed.
        outcome_unknown: ``True`` when the request changes state (rent, release, ...) and may
            have been carried out although this error was raised; check before repeating it.
    """

    def __init__(
        self,
        message: str,
        *,
        http_status: int,
        status: str | None = None,
        details: Sequence[Any] = (),
        body: Mapping[str, Any] | None = None,
        text: str = "",
        method: str | None = None,
        url: str | None = None,
        headers: Mapping[str, str] | None = None,
        outcome_unknown: bool = False,
        hint: str | None = None,
    ) -> None:
        self.http_status = http_status
        self.status = status
        self.message = message
        self.details = list(details)
        self.body = body
        self.text = text[:_RAW_TEXT_LIMIT]
        self.method = method
        self.url = url
        self.headers = dict(headers or {})
        self.outcome_unknown = outcome_unknown
        self.hint = hint
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f" ({self.method} {self.url})" if self.method and self.url else ""
        label = f"{self.http_status} {self.status}" if self.status else f"{self.http_status}"
        text = f"{label}: {self.message}{where}"
        if self.hint:
            text += f". {self.hint}"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the keyword-only constructor picklable (multiprocessing, task queues).
        return (_rebuild_error, (type(self), self.args, self.__dict__.copy()))


E = TypeVar("E", bound=Exception)


def _rebuild_error(cls: type[E], args: tuple[Any, ...], state: dict[str, Any]) -> E:
    # The exception's args (its full text) and attributes, without the keyword-only __init__.
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


class InvalidArgumentError(ApiError):
    """400 ``INVALID_ARGUMENT``: the API rejected the request; see :attr:`field_violations`."""

    @property
    def field_violations(self) -> list[FieldViolation]:
        """The ``BadRequest`` details' field violations, flattened."""
        found: list[FieldViolation] = []
        for detail in self.details:
            if not isinstance(detail, Mapping):
                continue
            violations = detail.get("fieldViolations")
            if not isinstance(violations, list):
                continue  # absent, or not the array the envelope promises
            for violation in violations:
                if isinstance(violation, Mapping):
                    found.append(
                        FieldViolation(
                            field=str(violation.get("field", "")),
                            description=str(violation.get("description", "")),
                        )
                    )
        return found

    def _describe(self) -> str:
        text = super()._describe()
        violations = self.field_violations
        if violations:
            text += " [" + "; ".join(f"{v.field}: {v.description}" for v in violations) + "]"
        return text


class AuthenticationError(ApiError):
    """401: the credentials or the token were not accepted."""


class PermissionDeniedError(ApiError):
    """403 ``PERMISSION_DENIED``: wrong project, or the account may not do this."""


class NotFoundError(ApiError):
    """404 ``NOT_FOUND``: the number (or order...) does not exist for this project."""


class RateLimitError(ApiError):
    """429: too many requests, after retries ran out.

    :attr:`retry_after` is the server's ``Retry-After`` in seconds (``None`` if it sent none).
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(ApiError):
    """5xx: the service failed."""


class TransportError(SinchNumbersError):
    """The request could not be completed: connection failure or timeout, after retries.

    The underlying aiohttp / asyncio exception is chained as ``__cause__``.
    :attr:`outcome_unknown` is ``True`` when a state-changing request may have reached the server.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        self.method = method
        self.url = url
        self.outcome_unknown = outcome_unknown
        super().__init__(message)


class PaginationError(SinchNumbersError):
    """The server sent a next-page token that was already seen: following it would loop."""


class ResponseDecodeError(SinchNumbersError):
    """A 2xx response whose body is not the JSON the spec promises.

    :attr:`text` keeps the raw body (truncated to a few KB) and :attr:`http_status` the status.
    """

    def __init__(self, message: str, *, http_status: int, text: str = "") -> None:
        self.http_status = http_status
        self.text = text[:_RAW_TEXT_LIMIT]
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        # The keyword-only http_status would otherwise break pickle and copy.
        return (_rebuild_error, (type(self), self.args, self.__dict__.copy()))


class ClientClosedError(SinchNumbersError, RuntimeError):
    """The :class:`~sinch_numbers.NumbersClient` was used after :meth:`close`."""


class CallbackParseError(SinchNumbersError, ValueError):
    """A callback body that is not a valid Numbers event.

    Not JSON, not a JSON object, a field of the wrong type, or no ``resourceType``. Raised by
    :func:`sinch_numbers.callbacks.parse_event`; the webhook handlers answer it with 400.
    """
