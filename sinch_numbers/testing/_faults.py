"""Fault injection: the fault kinds, one-shot injected faults and seeded chaos."""

from __future__ import annotations

import enum
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = [
    "TOKEN_ENDPOINT_FAULTS",
    "Chaos",
    "Fault",
    "FaultAction",
    "FaultInjector",
    "InjectedFault",
    "format_retry_after",
]


class Fault(enum.StrEnum):
    """What can go wrong with a request."""

    #: Sleep `delay` seconds, then answer normally.
    LATENCY = "latency"
    #: 429 with `Retry-After` and an error envelope; the request is not processed.
    RATE_LIMIT = "rate_limit"
    #: 500/502/503 (per `status`) with an INTERNAL/UNAVAILABLE envelope; not processed.
    SERVER_ERROR = "server_error"
    #: Close the connection without a response; the request is not processed.
    DROP_BEFORE = "drop_before"
    #: Process the request (e.g. really rent the number), then close the connection
    #: without a response: the "response lost" case.
    DROP_AFTER = "drop_after"
    #: Expire the caller's bearer token and answer 401 with
    #: `WWW-Authenticate: Bearer error="invalid_token", error_description="token expired"`.
    TOKEN_EXPIRY = "token_expiry"  # noqa: S105 - not a secret


#: Faults that make sense on the token endpoint.
TOKEN_ENDPOINT_FAULTS: Final = frozenset({Fault.LATENCY, Fault.RATE_LIMIT, Fault.SERVER_ERROR})
_SERVER_STATUSES: Final = (500, 502, 503)


@dataclass(frozen=True, slots=True)
class FaultAction:
    """A fault chosen for one request, with its parameters."""

    kind: Fault
    retry_after: float | None = 1.0
    status: int = 500
    delay: float = 0.1


@dataclass(slots=True)
class InjectedFault:
    """A queued fault for the next `remaining` matching requests (None: until cleared).

    With no `path` it matches API requests only; a `path` (substring of the decoded path, or a
    compiled regex searched in it) can also select the token endpoint `/oauth2/token`.
    """

    action: FaultAction
    remaining: int | None
    method: str | None = None
    path: str | re.Pattern[str] | None = None

    def matches(self, method: str, path: str, is_token: bool) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return not is_token
        if isinstance(self.path, re.Pattern):
            return self.path.search(path) is not None
        return self.path in path


@dataclass(slots=True)
class Chaos:
    """Random faults on about `rate` of requests, reproducible from `seed`.

    Each decision is drawn from a generator seeded with (seed, method, path and query, how
    many times this same request was seen), so the same client run gets the same faults
    regardless of how concurrent requests interleave; a retry of a request is a new draw.
    TOKEN_EXPIRY is only applied to requests carrying a bearer token.
    """

    rate: float
    seed: int
    kinds: tuple[Fault, ...]
    retry_after: float | None
    delay: float
    include_token_endpoint: bool
    seen: Counter[str]

    def pick(
        self, method: str, target: str, is_token: bool, has_bearer: bool
    ) -> FaultAction | None:
        kinds = self.kinds
        if is_token:
            if not self.include_token_endpoint:
                return None
            kinds = tuple(k for k in kinds if k in TOKEN_ENDPOINT_FAULTS)
        if not kinds:
            return None
        key = f"{method} {target}"
        n = self.seen[key]
        self.seen[key] = n + 1
        rng = random.Random(f"chaos/{self.seed}/{key}/{n}")
        if rng.random() >= self.rate:
            return None
        kind = rng.choice(kinds)
        if kind is Fault.TOKEN_EXPIRY and not has_bearer:
            return None
        return FaultAction(
            kind,
            retry_after=self.retry_after,
            status=rng.choice(_SERVER_STATUSES),
            delay=self.delay,
        )


class FaultInjector:
    """Queued injected faults (first match wins) plus optional chaos."""

    def __init__(self) -> None:
        self.queue: list[InjectedFault] = []
        self.chaos: Chaos | None = None

    def inject(self, fault: InjectedFault) -> None:
        self.queue.append(fault)

    def clear(self) -> None:
        self.queue.clear()

    def set_chaos(
        self,
        rate: float,
        *,
        seed: int,
        kinds: Iterable[Fault | str],
        retry_after: float | None,
        delay: float,
        include_token_endpoint: bool,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("chaos rate must be between 0 and 1")
        if rate == 0:
            self.chaos = None
            return
        chosen = tuple(Fault(k) for k in kinds)
        if not chosen:
            raise ValueError("chaos needs at least one fault kind")
        self.chaos = Chaos(
            rate, seed, chosen, retry_after, delay, include_token_endpoint, Counter()
        )

    def pick(
        self, method: str, path: str, target: str, *, is_token: bool, has_bearer: bool
    ) -> FaultAction | None:
        """The fault for a request (consuming one use of an injected fault), or None."""
        for i, fault in enumerate(self.queue):
            if fault.matches(method, path, is_token):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        del self.queue[i]
                return fault.action
        if self.chaos is not None:
            return self.chaos.pick(method, target, is_token, has_bearer)
        return None


def format_retry_after(seconds: float) -> str:
    """`Retry-After` value: whole seconds as an integer, fractions as a decimal."""
    if float(seconds).is_integer():
        return str(int(seconds))
    return f"{seconds:.6f}".rstrip("0").rstrip(".")
