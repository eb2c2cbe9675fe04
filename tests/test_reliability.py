"""Retries, timeouts, token refresh, cancellation, hostile input and secrets, over real HTTP."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import sinch_numbers as sn
from sinch_numbers import RetryPolicy, SmsConfiguration
from tests.scripted_server import (
    KEY_SECRET,
    ScriptedServer,
    Seen,
    active_number_json,
    error_response,
    json_response,
)
from tests.test_core import paged_handler

NUMBER = "+12025550134"


class FakeTime:
    """An injected clock and sleep: retry timing is checked without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def install(client: sn.NumbersClient, seed: int = 7) -> FakeTime:
    fake = FakeTime()
    transport = client._transport
    transport.clock = fake.clock
    transport.sleep = fake.sleep
    transport.rng = random.Random(seed)
    return fake


def sequence(*responses: Any) -> Any:
    """A handler answering with each response in turn, then the last one forever."""
    queue = list(responses)

    def handler(seen: Seen) -> web.StreamResponse:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        result: web.StreamResponse = item(seen) if callable(item) else item
        return result

    return handler


def ok_number(_: Seen) -> web.Response:
    return json_response(active_number_json(NUMBER))


def unavailable(_: Seen) -> web.Response:
    return error_response(503, "UNAVAILABLE", "try later")


async def drop(seen: Seen) -> web.Response:
    """Close the connection without answering."""
    assert seen.request.transport is not None
    seen.request.transport.close()
    await asyncio.sleep(0)
    return web.Response()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class TestRetryPolicy:
    """The policy value itself."""

    def test_backoff_is_full_jitter_under_a_cap(self) -> None:
        """Each wait lies between 0 and the capped exponential ceiling."""
        policy = RetryPolicy(backoff_initial=1, backoff_multiplier=2, backoff_max=5)
        rng = random.Random(1)
        for retry, ceiling in [(1, 1), (2, 2), (3, 4), (4, 5), (9, 5)]:
            waits = [policy.backoff(retry, rng) for _ in range(200)]
            assert min(waits) >= 0
            assert max(waits) <= ceiling
            assert max(waits) > ceiling * 0.8  # really spread up to the ceiling

    def test_retry_after_forms(self) -> None:
        """Retry-After is read as seconds or as an HTTP date."""
        now = datetime(2026, 11, 29, 12, tzinfo=UTC)
        later = format_datetime(now + timedelta(seconds=30), usegmt=True)
        assert RetryPolicy.parse_retry_after("3", now) == 3.0
        assert RetryPolicy.parse_retry_after(later, now) == 30.0
        assert RetryPolicy.parse_retry_after("soon", now) is None
        assert RetryPolicy.parse_retry_after(None, now) is None

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"max_attempts": 0},
            {"max_attempts": 1.5},
            {"backoff_initial": -1},
            {"backoff_multiplier": 0.5},
            {"deadline": 0},
            {"retry_after_max": -2},
        ],
    )
    def test_invalid_knobs(self, kwargs: dict[str, Any]) -> None:
        """Nonsense settings are refused with the knob's name."""
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            RetryPolicy(**kwargs)

    def test_immutable(self) -> None:
        """A policy cannot be changed in place."""
        policy = RetryPolicy()
        with pytest.raises(AttributeError):
            policy.max_attempts = 5  # type: ignore[misc]


class TestSafeCalls:
    """GET and PATCH are retried on transient failures."""

    async def test_retried_on_5xx_with_backoff(self, server: ScriptedServer) -> None:
        """Two 503s then success: three requests, two jittered waits within the ceilings."""
        server.route("GET", r"/activeNumbers/.*", sequence(unavailable, unavailable, ok_number))
        async with server.client(retry=RetryPolicy(max_attempts=3, backoff_initial=1)) as client:
            fake = install(client)
            number = await client.active_numbers.get(NUMBER)
        assert number.phone_number == NUMBER
        assert len(server.api_requests()) == 3
        assert len(fake.sleeps) == 2
        assert 0 <= fake.sleeps[0] <= 1
        assert 0 <= fake.sleeps[1] <= 2

    async def test_retry_after_is_honoured(self, server: ScriptedServer) -> None:
        """A 429's Retry-After sets the wait."""
        server.route(
            "GET",
            r"/activeNumbers/.*",
            sequence(
                error_response(
                    429, "RESOURCE_EXHAUSTED", "slow down", headers={"Retry-After": "4"}
                ),
                ok_number,
            ),
        )
        async with server.client() as client:
            fake = install(client)
            await client.active_numbers.get(NUMBER)
        assert fake.sleeps == [4.0]

    async def test_rate_limit_exhausted_reports_retry_after(self, server: ScriptedServer) -> None:
        """When retries run out on 429, RateLimitError.retry_after tells the caller."""
        server.route(
            "GET",
            r"/activeNumbers/.*",
            lambda s: error_response(
                429, "RESOURCE_EXHAUSTED", "slow down", headers={"Retry-After": "2"}
            ),
        )
        async with server.client(retry=RetryPolicy(max_attempts=3)) as client:
            fake = install(client)
            with pytest.raises(sn.RateLimitError) as info:
                await client.active_numbers.get(NUMBER)
        assert info.value.retry_after == 2.0
        assert fake.sleeps == [2.0, 2.0]
        assert len(server.api_requests()) == 3

    async def test_long_retry_after_stops_retrying(self, server: ScriptedServer) -> None:
        """A Retry-After beyond the cap is not waited for."""
        server.route(
            "GET",
            r"/activeNumbers/.*",
            lambda s: error_response(
                429, "RESOURCE_EXHAUSTED", "later", headers={"Retry-After": "3600"}
            ),
        )
        async with server.client() as client:
            fake = install(client)
            with pytest.raises(sn.RateLimitError) as info:
                await client.active_numbers.get(NUMBER)
        assert info.value.retry_after == 3600.0
        assert fake.sleeps == []

    async def test_deadline_bounds_all_attempts(self, server: ScriptedServer) -> None:
        """No retry starts whose wait would end past the overall deadline."""
        server.route(
            "GET",
            r"/activeNumbers/.*",
            lambda s: error_response(503, "UNAVAILABLE", "down", headers={"Retry-After": "4"}),
        )
        policy = RetryPolicy(max_attempts=10, deadline=10)
        async with server.client(retry=policy) as client:
            fake = install(client)
            with pytest.raises(sn.ServerError):
                await client.active_numbers.get(NUMBER)
        assert fake.sleeps == [4.0, 4.0]
        assert len(server.api_requests()) == 3

    async def test_dropped_connection_retried(self, server: ScriptedServer) -> None:
        """A GET whose connection drops is sent again."""
        server.route("GET", r"/activeNumbers/.*", sequence(drop, ok_number))
        async with server.client() as client:
            install(client)
            assert (await client.active_numbers.get(NUMBER)).phone_number == NUMBER
        assert len(server.api_requests()) == 2

    async def test_patch_retried_with_same_body(self, server: ScriptedServer) -> None:
        """PATCH is repeated with the identical body after a 502."""
        server.route(
            "PATCH",
            r"/activeNumbers/.*",
            sequence(lambda s: error_response(502, "UNAVAILABLE", "gateway"), ok_number),
        )
        async with server.client() as client:
            install(client)
            await client.active_numbers.update(NUMBER, display_name="x")
        bodies = [r.body for r in server.api_requests()]
        assert len(bodies) == 2
        assert bodies[0] == bodies[1]

    async def test_timeout_per_attempt_then_transport_error(self, server: ScriptedServer) -> None:
        """Slow answers time out per attempt; after the retries a TransportError chains it."""

        async def slow(seen: Seen) -> web.Response:
            await asyncio.sleep(2)
            return ok_number(seen)

        server.route("GET", r"/activeNumbers/.*", slow)
        async with server.client(timeout=0.1, retry=RetryPolicy(max_attempts=2)) as client:
            client._transport.sleep = FakeTime().sleep
            with pytest.raises(sn.TransportError) as info:
                await client.active_numbers.get(NUMBER)
        assert isinstance(info.value.__cause__, asyncio.TimeoutError)
        assert info.value.outcome_unknown is False
        assert len(server.api_requests()) == 2

    async def test_listing_resumes_from_same_token(self, server: ScriptedServer) -> None:
        """A transient failure mid-listing repeats the same page: none skipped or repeated."""
        pages = paged_handler(30)
        failed: list[str] = []

        def flaky(seen: Seen) -> web.Response:
            token = seen.param("pageToken")
            if token == "10" and not failed:
                failed.append(token)
                return error_response(500, "INTERNAL", "oops")
            result: web.Response = pages(seen)
            return result

        server.route("GET", "/activeNumbers", flaky)
        async with server.client() as client:
            install(client)
            got = [n.phone_number async for n in client.active_numbers.list(page_size=10)]
        assert got == [f"+1202555{i:04d}" for i in range(30)]
        tokens = [r.param("pageToken") for r in server.api_requests()]
        assert tokens == [None, "10", "10", "20"]


class TestUnsafeCalls:
    """Rent, release and friends are never repeated once they may have reached the server."""

    async def test_rent_not_repeated_after_5xx(self, server: ScriptedServer) -> None:
        """A 500 on rent raises at once with outcome_unknown and a way to check."""
        server.route(
            "POST", r"/availableNumbers/.*:rent", lambda s: error_response(500, "INTERNAL", "oops")
        )
        async with server.client() as client:
            install(client)
            with pytest.raises(sn.ServerError) as info:
                await client.available_numbers.rent(NUMBER, sms_configuration=SmsConfiguration("p"))
        assert info.value.outcome_unknown is True
        assert "active_numbers.get('+12025550134')" in str(info.value)
        assert len(server.api_requests()) == 1

    async def test_release_not_repeated_after_drop(self, server: ScriptedServer) -> None:
        """A release whose connection drops raises TransportError(outcome_unknown=True)."""
        server.route("POST", r"/activeNumbers/.*:release", drop)
        async with server.client() as client:
            install(client)
            with pytest.raises(sn.TransportError) as info:
                await client.active_numbers.release(NUMBER)
        assert info.value.outcome_unknown is True
        assert "outcome" in str(info.value) or "may have reached" in str(info.value)
        assert len(server.api_requests()) == 1

    async def test_rent_retried_on_429(self, server: ScriptedServer) -> None:
        """A 429 means the request was refused, so rent is sent again."""
        server.route(
            "POST",
            r"/availableNumbers/.*:rent",
            sequence(
                error_response(429, "RESOURCE_EXHAUSTED", "slow", headers={"Retry-After": "1"}),
                ok_number,
            ),
        )
        async with server.client() as client:
            fake = install(client)
            await client.available_numbers.rent(NUMBER)
        assert fake.sleeps == [1.0]
        assert len(server.api_requests()) == 2

    async def test_rent_retried_when_connection_refused(self) -> None:
        """A connection that could not be opened never reached the server: retried."""
        client = sn.NumbersClient(
            "p",
            "k",
            "s",
            auth="basic",
            base_url=f"http://127.0.0.1:{free_port()}",
            retry=RetryPolicy(max_attempts=3),
        )
        async with client:
            fake = install(client)
            with pytest.raises(sn.TransportError) as info:
                await client.available_numbers.rent(NUMBER)
        assert info.value.outcome_unknown is False
        assert isinstance(info.value.__cause__, aiohttp.ClientConnectorError)
        assert len(fake.sleeps) == 2


class TestOAuth:
    """Token handling under failure."""

    async def test_token_fetch_retried(self, server: ScriptedServer) -> None:
        """The token endpoint's 429 and 5xx are retried too."""
        server.route(
            "POST",
            "/oauth2/token",
            sequence(
                lambda s: error_response(503, "UNAVAILABLE", "x"),
                lambda s: error_response(
                    429, "RESOURCE_EXHAUSTED", "x", headers={"Retry-After": "1"}
                ),
                lambda s: json_response({"access_token": "t", "expires_in": 3600}),
            ),
        )
        server.route("GET", r"/activeNumbers/.*", ok_number)
        async with server.client(auth="oauth") as client:
            fake = install(client)
            await client.active_numbers.get(NUMBER)
        assert len([r for r in server.requests if r.raw_path == "/oauth2/token"]) == 3
        assert fake.sleeps[1] == 1.0

    async def test_bad_credentials_clear_error(self, server: ScriptedServer) -> None:
        """Rejected credentials give AuthenticationError without the secret in it."""
        server.route(
            "POST",
            "/oauth2/token",
            lambda s: web.json_response({"error": "invalid_client"}, status=401),
        )
        async with server.client(auth="oauth") as client:
            with pytest.raises(sn.AuthenticationError) as info:
                await client.active_numbers.get(NUMBER)
        assert "key_id" in str(info.value)
        assert KEY_SECRET not in str(info.value)

    async def test_token_renewed_before_expiry(self, server: ScriptedServer) -> None:
        """A token is renewed shortly before it expires, not after a failure."""
        tokens = iter(["t1", "t2"])
        server.route(
            "POST",
            "/oauth2/token",
            lambda s: json_response({"access_token": next(tokens), "expires_in": 600}),
        )
        server.route("GET", r"/activeNumbers/.*", ok_number)
        async with server.client(auth="oauth") as client:
            fake = install(client)
            await client.active_numbers.get(NUMBER)
            fake.now += 545  # inside the renewal margin
            await client.active_numbers.get(NUMBER)
        assert [r.headers["Authorization"] for r in server.api_requests()] == [
            "Bearer t1",
            "Bearer t2",
        ]


class TestCancellationAndClose:
    """No connection outlives a cancelled call or a closed client."""

    async def test_cancelled_call_releases_connection(self, server: ScriptedServer) -> None:
        """Cancelling a call in flight leaves no acquired connection."""
        started = asyncio.Event()

        async def hang(seen: Seen) -> web.Response:
            started.set()
            await asyncio.sleep(5)
            return ok_number(seen)

        server.route("GET", r"/activeNumbers/.*", hang)
        async with server.client() as client:
            task = asyncio.create_task(client.active_numbers.get(NUMBER))
            await started.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            connector = client._transport._session.connector  # type: ignore[union-attr]
            assert connector is not None
            assert sum(len(c) for c in connector._acquired_per_host.values()) == 0

    async def test_close_with_calls_in_flight(self, server: ScriptedServer) -> None:
        """Closing the client ends calls in flight with ClientClosedError."""
        started = asyncio.Event()

        async def hang(seen: Seen) -> web.Response:
            started.set()
            await asyncio.sleep(5)
            return ok_number(seen)

        server.route("GET", r"/activeNumbers/.*", hang)
        client = server.client()
        tasks = [asyncio.create_task(client.active_numbers.get(NUMBER)) for _ in range(5)]
        await started.wait()
        await client.close()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, sn.ClientClosedError) for r in results), results


class TestSecrets:
    """Secrets never show in reprs, errors or logs."""

    async def test_nothing_leaks_at_debug(
        self, server: ScriptedServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A session with token fetch, refresh, errors and retries logs no secret."""
        tokens = iter(["tok-AAA-secret", "tok-BBB-secret"])
        server.route(
            "POST",
            "/oauth2/token",
            lambda s: json_response({"access_token": next(tokens), "expires_in": 3600}),
        )
        state = {"n": 0}

        def api(seen: Seen) -> web.Response:
            state["n"] += 1
            if state["n"] == 1:
                return web.Response(status=401, headers={"WWW-Authenticate": "Bearer expired"})
            if state["n"] == 2:
                return unavailable(seen)
            return error_response(404, "NOT_FOUND", "no such number")

        server.route("GET", r"/activeNumbers/.*", api)
        hmac_secret = "h" * 40
        server.route(
            "GET",
            "/callbackConfiguration",
            lambda s: json_response({"projectId": "p", "hmacSecret": hmac_secret}),
        )
        caplog.set_level(logging.DEBUG)
        async with server.client(auth="oauth") as client:
            install(client)
            with pytest.raises(sn.NotFoundError) as info:
                await client.active_numbers.get(NUMBER)
            config = await client.callback_configuration.get()
            texts = [
                repr(client),
                str(client),
                repr(client._transport),
                repr(config),
                str(config),
                str(info.value),
                repr(info.value),
            ]
        log_text = "\n".join(r.getMessage() for r in caplog.records)
        assert "GET /v1/projects/test-project/activeNumbers/%2B12025550134 -> 503" in log_text
        for secret in (KEY_SECRET, "tok-AAA-secret", "tok-BBB-secret", hmac_secret):
            assert secret not in log_text
            for text in texts:
                assert secret not in text

    async def test_redirect_to_other_origin_not_followed(self, server: ScriptedServer) -> None:
        """A redirect is not followed, so credentials never reach another origin."""
        other = ScriptedServer()
        await other.start()
        try:
            server.route(
                "GET",
                r"/activeNumbers/.*",
                lambda s: web.Response(status=302, headers={"Location": f"{other.base_url}/steal"}),
            )
            async with server.client(auth="basic") as client:
                with pytest.raises(sn.ApiError) as info:
                    await client.active_numbers.get(NUMBER)
            assert info.value.http_status == 302
            assert other.requests == []
        finally:
            await other.stop()


class TestHostileInput:
    """Bad arguments fail before any request, naming the argument."""

    @pytest.mark.parametrize(
        ("call", "arg"),
        [
            (lambda c: c.active_numbers.list(number_pattern="12a"), "number_pattern"),
            (lambda c: c.active_numbers.list(number_pattern="1 2"), "number_pattern"),
            (lambda c: c.active_numbers.list(size=0), "size"),
            (lambda c: c.active_numbers.list(page_size=-5), "page_size"),
            (lambda c: c.active_numbers.list(page_size=True), "page_size"),
            (lambda c: c.active_numbers.list(number_type="LANDLINE"), "number_type"),
            (lambda c: c.active_numbers.list(capabilities=["SMS", "FAX"]), "capabilities"),
            (lambda c: c.active_numbers.list(order_by="price"), "order_by"),
            (lambda c: c.active_numbers.list(region_code="USA"), "region_code"),
            (lambda c: c.active_numbers.list(search_pattern="END"), "search_pattern"),
            (lambda c: c.available_numbers.list(region_code="US", number_type="x"), "number_type"),
            (lambda c: c.available_regions.list(types=[]), "types"),
        ],
    )
    async def test_list_arguments(self, server: ScriptedServer, call: Any, arg: str) -> None:
        """list() validates at once, before iteration, with the argument's name."""
        async with server.client() as client:
            with pytest.raises((ValueError, TypeError), match=arg):
                call(client)
        assert server.requests == []

    @pytest.mark.parametrize(
        "secret", ["x" * 31, "x" * 65, "has space" + "x" * 30, "ü" * 40, "a/b" + "x" * 30]
    )
    async def test_hmac_secret_shape(self, server: ScriptedServer, secret: str) -> None:
        """An hmac_secret outside ^[a-zA-Z0-9-]{32,64}$ is refused and not echoed."""
        async with server.client() as client:
            with pytest.raises(ValueError, match="hmac_secret") as info:
                await client.callback_configuration.update(hmac_secret=secret)
        assert secret not in str(info.value)
        assert server.requests == []

    async def test_wrong_types(self, server: ScriptedServer) -> None:
        """Wrong argument types raise TypeError naming the argument."""
        async with server.client() as client:
            with pytest.raises(TypeError, match="phone_number"):
                await client.active_numbers.get(12025550134)  # type: ignore[arg-type]
            with pytest.raises(TypeError, match="sms_configuration"):
                await client.available_numbers.rent(
                    NUMBER,
                    sms_configuration={"servicePlanId": "p"},  # type: ignore[arg-type]
                )
            with pytest.raises(ValueError, match="display_name"):
                await client.active_numbers.update(NUMBER, display_name="a\x00b")
        assert server.requests == []
