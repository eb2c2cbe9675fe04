"""``NumbersClient``: the entry point; owns the session layer and the services."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp
from yarl import URL

from ._retry import RetryPolicy
from ._services import (
    ActiveNumbersService,
    AvailableNumbersService,
    AvailableRegionsService,
    CallbackConfigurationService,
)
from ._transport import Transport
from ._validation import check_base_url, check_credential, check_positive_int

__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_BASE_URL", "NumbersClient"]

DEFAULT_BASE_URL = "https://numbers.api.sinch.com"
DEFAULT_AUTH_URL = "https://auth.sinch.com/oauth2/token"


def _timeout(value: Any) -> aiohttp.ClientTimeout:
    if isinstance(value, aiohttp.ClientTimeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"timeout must be seconds or aiohttp.ClientTimeout, got {type(value).__name__}"
        )
    if not 0 < value < math.inf:  # also refuses NaN
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {value}")
    return aiohttp.ClientTimeout(total=float(value))


class NumbersClient:
    """Async client of the Sinch Numbers API.

    ```python
    async with NumbersClient(project_id, key_id, key_secret) as client:
        number = await client.active_numbers.get("+12025550134")
        async for n in client.active_numbers.list(region_code="US"):
            ...
    ```

    Args:
        project_id, key_id, key_secret: the project and one of its access keys.
        auth: ``"oauth"`` (client-credentials token from ``auth_url``, cached and renewed) or
            ``"basic"`` (HTTP Basic with the key on every call).
        base_url: API origin (optionally with a path prefix), e.g. an emulator's URL.
        auth_url: full URL of the OAuth token endpoint.
        session: your own ``aiohttp.ClientSession``; the client then never closes it.
        timeout: seconds per attempt, or an ``aiohttp.ClientTimeout``.
        retry: a :class:`RetryPolicy`; ``RetryPolicy(max_attempts=1)`` turns retries off.
        max_connections: connection pool size when the client makes its own session.

    Services: :attr:`available_numbers`, :attr:`active_numbers`, :attr:`available_regions`,
    :attr:`callback_configuration`, :attr:`number_orders`.
    """

    def __init__(
        self,
        project_id: str,
        key_id: str,
        key_secret: str,
        *,
        auth: Literal["oauth", "basic"] = "oauth",
        base_url: str | URL = DEFAULT_BASE_URL,
        auth_url: str | URL = DEFAULT_AUTH_URL,
        session: aiohttp.ClientSession | None = None,
        timeout: float | aiohttp.ClientTimeout = 30.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 100,
    ) -> None:
        check_credential(project_id, "project_id")
        check_credential(key_id, "key_id")
        check_credential(key_secret, "key_secret")
        if auth not in ("oauth", "basic"):
            raise ValueError(f"auth must be 'oauth' or 'basic', got {auth!r}")
        base = check_base_url(base_url, "base_url")
        token_url = check_base_url(auth_url, "auth_url")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise TypeError(
                f"session must be an aiohttp.ClientSession, got {type(session).__name__}"
            )
        if retry is None:
            retry = RetryPolicy()
        elif not isinstance(retry, RetryPolicy):
            raise TypeError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        check_positive_int(max_connections, "max_connections")
        self.project_id = project_id
        self.key_id = key_id
        self.base_url = base
        self.auth_url = token_url
        self.auth = auth
        self._transport = Transport(
            project_id=project_id,
            key_id=key_id,
            key_secret=key_secret,
            auth=auth,
            base_url=base,
            auth_url=token_url,
            timeout=_timeout(timeout),
            retry=retry,
            session=session,
            max_connections=max_connections,
        )
        self.available_numbers = AvailableNumbersService(self._transport)
        self.active_numbers = ActiveNumbersService(self._transport)
        self.available_regions = AvailableRegionsService(self._transport)
        self.callback_configuration = CallbackConfigurationService(self._transport)
        from ._orders import NumberOrdersService

        self.number_orders = NumberOrdersService(self._transport)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **options: Any) -> Self:
        """A client from ``SINCH_PROJECT_ID``, ``SINCH_KEY_ID``, ``SINCH_KEY_SECRET`` and
        optionally ``SINCH_NUMBERS_URL``, ``SINCH_AUTH_URL``, ``SINCH_AUTH``; ``options``
        (keyword arguments of the constructor) take precedence."""
        source = os.environ if env is None else env
        missing = [
            name
            for name in ("SINCH_PROJECT_ID", "SINCH_KEY_ID", "SINCH_KEY_SECRET")
            if not source.get(name)
        ]
        if missing:
            raise ValueError("missing environment variables: " + ", ".join(missing))
        for name, option in (
            ("SINCH_NUMBERS_URL", "base_url"),
            ("SINCH_AUTH_URL", "auth_url"),
            ("SINCH_AUTH", "auth"),
        ):
            if source.get(name) and option not in options:
                options[option] = source[name]
        return cls(
            source["SINCH_PROJECT_ID"],
            source["SINCH_KEY_ID"],
            source["SINCH_KEY_SECRET"],
            **options,
        )

    def __repr__(self) -> str:
        return (
            f"<NumbersClient project_id={self.project_id!r} key_id={self.key_id!r} "
            f"base_url={str(self.base_url)!r} auth={self.auth!r}"
            f"{' closed' if self.closed else ''}>"
        )

    @property
    def retry(self) -> RetryPolicy:
        """The :class:`RetryPolicy` in force."""
        return self._transport.retry

    @property
    def closed(self) -> bool:
        """True after :meth:`close`; a closed client cannot be used again."""
        return self._transport.closed

    async def __aenter__(self) -> Self:
        await self._transport.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the client and, unless it was given one, its aiohttp session."""
        await self._transport.close()
