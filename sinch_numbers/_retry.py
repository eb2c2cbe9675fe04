"""Retry policy: when to try a request again, and how long to wait before doing so."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import attrs

__all__ = ["RetryPolicy"]


def _at_least(minimum: float) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        # ``not value >= minimum`` also refuses NaN, which compares false with everything.
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= minimum:
            raise ValueError(
                f"RetryPolicy.{attribute.name} must be a number >= {minimum}, got {value!r}"
            )

    return check


def _optional_positive(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    # ``not 0 < value < inf`` also refuses NaN; ``None`` is the way to say "no limit".
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ValueError(
            f"RetryPolicy.{attribute.name} must be a positive finite number or None, got {value!r}"
        )


def _bool(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"RetryPolicy.{attribute.name} must be a bool, got {type(value).__name__}")


def _statuses(value: Any) -> frozenset[int]:
    if isinstance(value, int) or not isinstance(value, Iterable):
        raise TypeError(
            f"RetryPolicy.retry_statuses must be a set of HTTP status codes, got {value!r}"
        )
    statuses = frozenset(value)
    for status in statuses:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(
                f"RetryPolicy.retry_statuses must hold HTTP status codes, got {status!r}"
            )
    return statuses


def _positive_int(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"RetryPolicy.{attribute.name} must be an int >= 1, got {value!r}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How the client retries failed requests. Immutable; use :func:`attrs.evolve` to vary it.

    What is retried (the policy decides *when* and *how long*, the client decides *what*):

    * Safe calls (GET, and PATCH, which sends the same body again) are retried on connection
      errors, timeouts and the statuses in :attr:`retry_statuses`.
    * Calls that rent, release, provision, create or submit are retried only on 429 and on
      failures where the request provably never reached the server (the connection could not be
      opened). After a 5xx or a timeout once the request was sent, the outcome is unknown: the
      client raises with ``outcome_unknown=True`` instead of risking a second rent or release.

    Attributes:
        max_attempts: total tries per call, the first included. ``1`` disables retries.
        backoff_initial: the wait ceiling before the second attempt, in seconds.
        backoff_multiplier: growth of the ceiling per attempt (exponential backoff).
        backoff_max: the largest ceiling, in seconds. The wait itself is drawn uniformly between
            0 and the ceiling ("full jitter"), so many clients do not retry in lockstep.
        deadline: overall seconds one call may take, all attempts and waits included; ``None``
            for no limit. No retry is started that could not finish its wait before it.
        respect_retry_after: wait what a 429/503 ``Retry-After`` header asks (seconds or an
            HTTP date) instead of the backoff, up to :attr:`retry_after_max`.
        retry_after_max: the longest ``Retry-After`` honoured; a longer one ends the retries
            and the error is raised with its ``retry_after``.
        retry_statuses: HTTP statuses that make a safe call retryable.
    """

    max_attempts: int = attrs.field(default=3, validator=_positive_int)
    backoff_initial: float = attrs.field(default=0.5, validator=_at_least(0))
    backoff_multiplier: float = attrs.field(default=2.0, validator=_at_least(1))
    backoff_max: float = attrs.field(default=8.0, validator=_at_least(0))
    deadline: float | None = attrs.field(default=60.0, validator=_optional_positive)
    respect_retry_after: bool = attrs.field(default=True, validator=_bool)
    retry_after_max: float = attrs.field(default=30.0, validator=_at_least(0))
    retry_statuses: frozenset[int] = attrs.field(
        default=frozenset({408, 429, 500, 502, 503, 504}), converter=_statuses
    )

    def backoff(self, retry_number: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry)."""
        ceiling = min(
            self.backoff_max,
            self.backoff_initial * self.backoff_multiplier ** max(0, retry_number - 1),
        )
        return (rng or random).uniform(0.0, ceiling)

    @staticmethod
    def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
        """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; else ``None``."""
        if not value:
            return None
        value = value.strip()
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - (now or datetime.now(UTC))).total_seconds()
        if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
            return None
        return max(0.0, seconds)
