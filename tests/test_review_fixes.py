"""Defects found in review, each pinned by the behaviour a user of the SDK relies on."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import io
import json
import math
import pickle
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, assert_type

import pytest
from aiohttp import web

import sinch_numbers as sn
from sinch_numbers import EmergencyAddress, RetryPolicy, _jsonlib
from sinch_numbers.callbacks import aiohttp_handler, asgi_app, verify_signature
from sinch_numbers.testing import NumbersEmulator
from tests.scripted_server import (
    KEY_SECRET,
    ScriptedServer,
    Seen,
    active_number_json,
    error_response,
    json_response,
)

NUMBER = "+12025550134"
ADDRESS = {
    "street_number": "1",
    "street_info": "Main St",
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
}


class TestHostileResponses:
    """Whatever the server sends, the caller gets an SDK error with the status and raw text."""

    async def test_non_string_page_token_is_not_the_end(self, server: ScriptedServer) -> None:
        """A ``nextPageToken`` that is not a string raises instead of silently ending the list."""
        server.route(
            "GET",
            "/activeNumbers",
            lambda s: json_response(
                {"activeNumbers": [active_number_json(NUMBER)], "nextPageToken": 12345}
            ),
        )
        async with server.client() as client:
            with pytest.raises(sn.ResponseDecodeError, match="nextPageToken") as caught:
                await client.active_numbers.list().collect()
        assert '"nextPageToken":12345' in caught.value.text.replace(" ", "")

    async def test_wrong_shape_keeps_the_raw_body(self, server: ScriptedServer) -> None:
        """A JSON body of the wrong shape is reported with the body as sent, not a Python repr."""
        body = b'{"phoneNumber": 5, "note": true, "gone": null}'
        server.route(
            "GET",
            r"/activeNumbers/.*",
            lambda s: web.Response(body=body, content_type="application/json"),
        )
        server.route(
            "GET",
            "/availableRegions",
            lambda s: web.Response(
                body=b'{"availableRegions": "none"}', status=200, content_type="application/json"
            ),
        )
        async with server.client() as client:
            with pytest.raises(sn.ResponseDecodeError) as caught:
                await client.active_numbers.get(NUMBER)
            assert caught.value.text == body.decode()
            assert caught.value.http_status == 200
            with pytest.raises(sn.ResponseDecodeError) as listed:
                await client.available_regions.list().collect()
        assert json.loads(listed.value.text) == {"availableRegions": "none"}

    async def test_bad_item_in_a_page_is_reported_as_json(self, server: ScriptedServer) -> None:
        """A page item that cannot be built is quoted as JSON text, which the caller can parse."""
        server.route(
            "GET",
            "/activeNumbers",
            lambda s: json_response({"activeNumbers": [{"phoneNumber": None, "x": True}]}),
        )
        async with server.client() as client:
            with pytest.raises(sn.ResponseDecodeError) as caught:
                await client.active_numbers.list().collect()
        assert json.loads(caught.value.text) == [{"phoneNumber": None, "x": True}]

    @pytest.mark.parametrize("status", [200, 500])
    async def test_deeply_nested_json_without_orjson(
        self, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, status: int
    ) -> None:
        """With the stdlib decoder, deep nesting is a decode or API error, not RecursionError."""
        monkeypatch.setattr(_jsonlib, "loads", json.loads)
        server.route(
            "GET",
            r"/activeNumbers/.*",
            lambda s: web.Response(
                body=b"[" * 200_000, status=status, content_type="application/json"
            ),
        )
        async with server.client(retry=RetryPolicy(max_attempts=1)) as client:
            with pytest.raises(sn.ResponseDecodeError if status == 200 else sn.ServerError):
                await client.active_numbers.get(NUMBER)

    @pytest.mark.parametrize("violations", [5, True, {"field": "x"}])
    async def test_malformed_field_violations(
        self, server: ScriptedServer, violations: Any
    ) -> None:
        """A 400 whose ``fieldViolations`` is not an array is still an InvalidArgumentError."""
        server.route(
            "GET",
            r"/activeNumbers/.*",
            lambda s: error_response(
                400, "INVALID_ARGUMENT", "bad", details=[{"fieldViolations": violations}]
            ),
        )
        async with server.client() as client:
            with pytest.raises(sn.InvalidArgumentError) as caught:
                await client.active_numbers.get(NUMBER)
        assert caught.value.field_violations == []
        assert caught.value.message == "bad"


class TestErrorsTravel:
    """Errors survive pickling and copying (task queues, multiprocessing, logging handlers)."""

    def test_response_decode_error_pickles_and_copies(self) -> None:
        """ResponseDecodeError keeps its message, status and text through pickle and copy."""
        error = sn.ResponseDecodeError("not JSON", http_status=200, text="<html>")
        unpickled = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        for clone in (unpickled, copy.copy(error)):
            assert type(clone) is sn.ResponseDecodeError
            assert (str(clone), clone.http_status, clone.text) == ("not JSON", 200, "<html>")

    def test_api_errors_still_pickle(self) -> None:
        """RateLimitError keeps its retry_after through pickle."""
        error = sn.RateLimitError("slow down", http_status=429, retry_after=3.0)
        clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        assert (clone.retry_after, clone.http_status, str(clone)) == (3.0, 429, str(error))


class TestArguments:
    """Bad arguments are refused before any request, naming the argument."""

    @pytest.mark.parametrize(
        ("kwargs", "knob"),
        [
            ({"backoff_initial": math.nan}, "backoff_initial"),
            ({"backoff_max": math.nan}, "backoff_max"),
            ({"backoff_multiplier": math.nan}, "backoff_multiplier"),
            ({"retry_after_max": math.nan}, "retry_after_max"),
            ({"deadline": math.nan}, "deadline"),
            ({"deadline": math.inf}, "deadline"),
            ({"retry_statuses": 503}, "retry_statuses"),
            ({"retry_statuses": ["503"]}, "retry_statuses"),
            ({"retry_statuses": [True]}, "retry_statuses"),
            ({"respect_retry_after": "no"}, "respect_retry_after"),
        ],
    )
    def test_retry_policy_knobs(self, kwargs: dict[str, Any], knob: str) -> None:
        """NaN, an endless deadline and malformed status sets are refused with the knob's name."""
        with pytest.raises((TypeError, ValueError), match=knob):
            RetryPolicy(**kwargs)

    @pytest.mark.parametrize("timeout", [math.nan, math.inf])
    def test_client_timeout_must_be_finite(self, timeout: float) -> None:
        """A NaN or infinite timeout is refused (pass an aiohttp.ClientTimeout for no limit)."""
        with pytest.raises(ValueError, match="timeout"):
            sn.NumbersClient("p", "k", "s", timeout=timeout)

    def test_retry_property_is_typed(self) -> None:
        """``client.retry`` is the RetryPolicy in force, typed as one."""
        policy = RetryPolicy(max_attempts=2)
        client = sn.NumbersClient("p", "k", "s", retry=policy)
        assert assert_type(client.retry, RetryPolicy) is policy

    async def test_prefetch_must_be_a_bool(self, server: ScriptedServer) -> None:
        """``prefetch`` is checked like every other listing argument."""
        async with server.client() as client:
            with pytest.raises(TypeError, match="prefetch"):
                client.active_numbers.list(prefetch="no")  # type: ignore[arg-type]
        assert server.requests == []

    @pytest.mark.parametrize(
        ("field", "value", "error"),
        [
            ("street_number", 12, TypeError),
            ("postal_code", 62701, TypeError),
            ("location", ["Suite 5"], TypeError),
            ("street_info", "Main\nSt", ValueError),
        ],
    )
    async def test_emergency_address_fields(
        self, server: ScriptedServer, field: str, value: Any, error: type[Exception]
    ) -> None:
        """Address fields must be text: a number or a list is not silently sent as JSON."""
        address = EmergencyAddress(**{**ADDRESS, field: value})
        async with server.client() as client:
            for call in (
                client.active_numbers.provision_emergency_address,
                client.active_numbers.validate_emergency_address,
            ):
                with pytest.raises(error, match=f"address.{field}"):
                    await call(NUMBER, display_name="HQ", address=address)
        assert server.requests == []

    @pytest.mark.parametrize(
        ("timeout", "error"),
        [("10", TypeError), (math.nan, ValueError), (math.inf, ValueError)],
    )
    def test_callback_shutdown_timeout(self, timeout: Any, error: type[Exception]) -> None:
        """The receivers refuse a shutdown_timeout that is not a finite number of seconds."""

        async def on_event(event: sn.CallbackEvent) -> None:
            return None

        for factory in (aiohttp_handler, asgi_app):
            with pytest.raises(error, match="shutdown_timeout"):
                factory("s" * 32, on_event, shutdown_timeout=timeout)


class _Pipe(io.RawIOBase):
    """A readable stream that cannot seek, like a pipe or a socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


class TestNumberOrderRetries:
    """Number-order calls follow docs/reliability.md."""

    async def test_update_registration_retried_with_same_body(self, server: ScriptedServer) -> None:
        """update_registration replaces the details (PUT): a 503 is retried with the same body."""
        answers = [error_response(503, "UNAVAILABLE", "try later"), json_response({})]
        server.route("PUT", "/numberOrders/o1/registration", lambda s: answers.pop(0))
        async with server.client(retry=sn.RetryPolicy(backoff_initial=0)) as client:
            await client.number_orders.update_registration("o1", {"businessName": "Acme"})
        bodies = [r.body for r in server.api_requests()]
        assert len(bodies) == 2
        assert bodies[0] == bodies[1]

    async def test_unrewindable_upload_not_resent_empty(self, server: ScriptedServer) -> None:
        """After a 429, a file object that cannot seek is not sent again (it would be empty)."""
        sizes: list[int] = []

        def upload(seen: Seen) -> web.Response:
            sizes.append(len(seen.body))
            if len(sizes) == 1:
                return error_response(
                    429, "RESOURCE_EXHAUSTED", "slow down", headers={"Retry-After": "0"}
                )
            return web.Response()

        server.route("POST", "/numberOrders/o1/attachments/a1", upload)
        async with server.client() as client:
            with pytest.raises(sn.RateLimitError):
                await client.number_orders.upload_attachment(
                    "o1", "a1", io.BufferedReader(_Pipe(b"%PDF" * 2000)), file_name="doc.pdf"
                )
        assert len(sizes) == 1

    async def test_rewindable_upload_still_retried(self, server: ScriptedServer) -> None:
        """A seekable file object is rewound and sent whole again after a 429."""
        sizes: list[int] = []

        def upload(seen: Seen) -> web.Response:
            sizes.append(len(seen.body))
            if len(sizes) == 1:
                return error_response(
                    429, "RESOURCE_EXHAUSTED", "slow down", headers={"Retry-After": "0"}
                )
            return web.Response()

        server.route("POST", "/numberOrders/o1/attachments/a1", upload)
        async with server.client() as client:
            await client.number_orders.upload_attachment(
                "o1", "a1", io.BytesIO(b"%PDF" * 2000), file_name="doc.pdf"
            )
        assert len(sizes) == 2
        assert sizes[0] == sizes[1] > 8000


class TestParallelBackpressure:
    """A parallel listing does not run ahead of a slow consumer."""

    async def test_streams_wait_for_the_consumer(self) -> None:
        """While the caller sits on the first page, only a bounded number of pages is fetched."""
        async with NumbersEmulator(seed=5) as emu:
            emu.add_active_numbers(3000)
            async with emu.client() as client:
                pager = client.active_numbers.list(page_size=10, parallel=10)
                async with contextlib.aclosing(pager.pages()) as pages:
                    await anext(pages)
                    await asyncio.sleep(0.5)
                    fetched = emu.stats.api_requests
                # 300 pages in all; ten streams with a page in hand and one prefetched each,
                # plus a queue of ten, is the most that may be waiting.
                assert fetched <= 40


class TestSecretsInErrors:
    """Secrets a server echoes back never reach an exception's text."""

    async def test_echoed_credentials_are_redacted(self, server: ScriptedServer) -> None:
        """An error page quoting the request's Authorization header does not leak it."""

        def echo(seen: Seen) -> web.Response:
            return web.Response(
                status=400, text=f"bad request; you sent: {seen.headers['Authorization']}"
            )

        server.route("GET", r"/activeNumbers/.*", echo)
        server.route(
            "GET",
            "/callbackConfiguration",
            lambda s: error_response(
                403, "PERMISSION_DENIED", f"denied for {s.headers['Authorization']}"
            ),
        )
        server.route(
            "POST",
            "/oauth2/token",
            lambda s: json_response({"access_token": "tok-0123456789abcdef", "expires_in": 3599}),
        )
        for auth in ("basic", "oauth"):
            async with server.client(auth=auth) as client:
                errors: list[sn.ApiError] = []
                for call in (
                    client.active_numbers.get(NUMBER),
                    client.callback_configuration.get(),
                ):
                    with pytest.raises(sn.ApiError) as caught:
                        await call
                    errors.append(caught.value)
            sent = server.api_requests()[-1].headers["Authorization"].split(" ", 1)[1]
            for error in errors:
                for text in (str(error), error.text, error.message, repr(error)):
                    assert sent not in text
                    assert KEY_SECRET not in text
                assert "[redacted]" in error.text

    @pytest.mark.parametrize("token", ["abc\r\nX-Injected: 1", "a\x00b", "tök-en"])
    async def test_unusable_token_is_a_decode_error(
        self, server: ScriptedServer, token: str
    ) -> None:
        """A token that cannot go in a header is a ResponseDecodeError, and no call is sent."""
        server.route(
            "POST",
            "/oauth2/token",
            lambda s: json_response({"access_token": token, "expires_in": 3599}),
        )
        async with server.client(auth="oauth") as client:
            with pytest.raises(sn.ResponseDecodeError, match="access_token") as caught:
                await client.active_numbers.get(NUMBER)
        assert token not in str(caught.value)
        assert server.api_requests() == []

    async def test_unparseable_token_response_keeps_no_text(self, server: ScriptedServer) -> None:
        """A token response that is not JSON is reported without its body, which holds the token."""
        server.route(
            "POST",
            "/oauth2/token",
            lambda s: web.Response(text="access_token=tok-0123456789abcdef&expires_in=3599"),
        )
        async with server.client(auth="oauth") as client:
            with pytest.raises(sn.ResponseDecodeError) as caught:
                await client.active_numbers.get(NUMBER)
        assert "tok-0123456789abcdef" not in caught.value.text + str(caught.value)


class TestFreeFormArguments:
    """Free-form values are checked too, so nothing is refused late or changed on the way."""

    @pytest.mark.parametrize(
        ("details", "error", "where"),
        [
            ({"amount": Decimal("1.5")}, TypeError, "request_details['amount']"),
            ({"since": datetime(2026, 1, 1, tzinfo=UTC)}, TypeError, "request_details['since']"),
            ({"ratio": math.nan}, ValueError, "request_details['ratio']"),
            ({"people": [{"age": math.inf}]}, ValueError, "request_details['people'][0]['age']"),
            ({"nested": {1: "x"}}, TypeError, "keys must be strings"),
            ({"tags": {"a", "b"}}, TypeError, "request_details['tags']"),
        ],
    )
    async def test_registration_details_must_be_json(
        self, server: ScriptedServer, details: dict[str, Any], error: type[Exception], where: str
    ) -> None:
        """A value JSON cannot carry as given is refused, naming where it sits; nothing is sent."""
        async with server.client() as client:
            with pytest.raises(error, match=re.escape(where)):
                await client.number_orders.update_registration("o1", details)
        assert server.requests == []

    async def test_registration_details_sent_as_given(self, server: ScriptedServer) -> None:
        """Nested mappings and tuples go out as JSON objects and arrays."""
        server.route("PUT", "/numberOrders/o1/registration", lambda s: json_response({}))
        details = MappingProxyType({"owner": MappingProxyType({"names": ("A", "B")}), "n": 1.5})
        async with server.client() as client:
            await client.number_orders.update_registration("o1", details)
        [sent] = server.api_requests()
        assert sent.json() == {"requestDetails": {"owner": {"names": ["A", "B"]}, "n": 1.5}}

    def test_verify_signature_argument_types(self) -> None:
        """A decoded body or a bytes secret is a TypeError naming the argument, not a crash."""
        with pytest.raises(TypeError, match="body"):
            verify_signature("{}", "00", "secret")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="secret"):
            verify_signature(b"{}", "00", b"secret")  # type: ignore[arg-type]


class TestLimits:
    """Values the API cannot take are refused locally."""

    async def test_sizes_above_int32(self, server: ScriptedServer) -> None:
        """size and page_size are int32 on the wire: larger values raise before any request."""
        async with server.client() as client:
            with pytest.raises(ValueError, match="page_size must be at most 2147483647"):
                client.active_numbers.list(page_size=2**31)
            with pytest.raises(ValueError, match="size must be at most"):
                client.available_numbers.list(region_code="US", number_type="LOCAL", size=2**40)
            assert client.active_numbers.list(page_size=2**31 - 1).size is None
        assert server.requests == []

    async def test_upload_from_a_directory(self, server: ScriptedServer, tmp_path: Path) -> None:
        """A directory given as the file says so, before any request."""
        async with server.client() as client:
            with pytest.raises(IsADirectoryError, match="directory"):
                await client.number_orders.upload_attachment("o1", "a1", tmp_path)
        assert server.requests == []
