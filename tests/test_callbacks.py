"""Numbers callbacks: signature, event parsing, and both webhook front ends over real HTTP.

The aiohttp handler runs under ``aiohttp.web`` and the ASGI app under uvicorn, both on
127.0.0.1; every HTTP test runs against each of them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import attrs
import pytest
import uvicorn
from aiohttp import web

from sinch_numbers import (
    CallbackEventType,
    CallbackFailureCode,
    CallbackStatus,
    ResourceType,
    SinchNumbersError,
    callbacks,
)
from sinch_numbers.callbacks import (
    AiohttpCallbackHandler,
    AsgiCallbackApp,
    CallbackEvent,
    CallbackParseError,
    aiohttp_handler,
    asgi_app,
    parse_event,
    verify_signature,
)

# The Java SDK's test vector (numbers-api.md §10), byte for byte.
VECTOR_SECRET = "secret value"
VECTOR_BODY = (
    b'{"eventId":"01j3fycq0fyqq3gkgxb0g5ekbz","timestamp":"2024-07-23T14:02:14.415637289",'
    b'"projectId":"b8bae3c6-e7df-422b-9401-8ae3ee3e0aff","resourceId":"+12053017799",'
    b'"resourceType":"ACTIVE_NUMBER","eventType":"PROVISIONING_TO_VOICE_PLATFORM",'
    b'"status":"SUCCEEDED","failureCode":null}'
)
VECTOR_SIGNATURE = "e289b8fac44491417aeceee28d2715840b5f1aca"

SECRET = "0default-pass-word-max-36characters"
OTHER_SECRET = "another-secret-of-enough-length-0123"

Receiver = AiohttpCallbackHandler | AsgiCallbackApp


def sign(body: bytes, secret: str = SECRET) -> str:
    """The X-Sinch-Signature Sinch would send for ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def event_body(event_id: str = "01evt", **fields: Any) -> bytes:
    """A compact ACTIVE_NUMBER event, as Sinch serialises it."""
    payload: dict[str, Any] = {
        "eventId": event_id,
        "timestamp": "2024-07-23T14:02:14.415637",
        "projectId": "b8bae3c6-e7df-422b-9401-8ae3ee3e0aff",
        "resourceId": "+12053017799",
        "resourceType": "ACTIVE_NUMBER",
        "eventType": "PROVISIONING_TO_SMS_PLATFORM",
        "status": "SUCCEEDED",
        **fields,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


class Recorder:
    """An ``on_event`` that records every event it is handed."""

    def __init__(self) -> None:
        self.events: list[CallbackEvent] = []
        self.arrived = asyncio.Event()

    async def __call__(self, event: CallbackEvent) -> None:
        self.events.append(event)
        self.arrived.set()


@attrs.define
class Endpoint:
    """A running webhook front end and a client session to POST to it."""

    url: str
    receiver: Receiver
    session: aiohttp.ClientSession

    async def post(
        self,
        body: Any,
        signature: str | None = "sign",
        *,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST ``body`` (signed with SECRET unless a signature is given); status and text."""
        sent = dict(headers or {})
        sent.setdefault("Content-Type", "application/json")
        if signature == "sign":
            signature = sign(body)
        if signature is not None:
            sent["X-Sinch-Signature"] = signature
        async with self.session.post(self.url, data=body, headers=sent) as resp:
            return resp.status, await resp.text()


Start = Callable[..., Awaitable[Endpoint]]


async def serve_aiohttp(stack: AsyncExitStack, receiver: AiohttpCallbackHandler) -> str:
    """Serve ``receiver`` with aiohttp.web until ``stack`` closes; the URL to POST to."""
    app = web.Application()
    app.router.add_post("/sinch/events", receiver)
    app.on_shutdown.append(receiver.on_shutdown)
    runner = web.AppRunner(app)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return f"http://127.0.0.1:{port}/sinch/events"


async def serve_uvicorn(stack: AsyncExitStack, app: Any) -> str:
    """Serve the ASGI ``app`` under uvicorn until ``stack`` closes; the URL to POST to."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def stop() -> None:
        server.should_exit = True
        await task

    stack.push_async_callback(stop)
    async with asyncio.timeout(10):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("uvicorn stopped during startup")
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}/sinch/events"


@pytest.fixture(params=["aiohttp", "asgi"])
async def start(request: pytest.FixtureRequest) -> AsyncIterator[Start]:
    """Starts a webhook front end (aiohttp handler or ASGI app under uvicorn) on 127.0.0.1."""
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())

        async def start(on_event: Any, *, secret: Any = SECRET, **options: Any) -> Endpoint:
            receiver: Receiver
            if request.param == "aiohttp":
                receiver = aiohttp_handler(secret, on_event, **options)
                url = await serve_aiohttp(stack, receiver)
            else:
                receiver = asgi_app(secret, on_event, **options)
                url = await serve_uvicorn(stack, receiver)
            return Endpoint(url, receiver, session)

        yield start


class TestVerifySignature:
    """verify_signature: HMAC-SHA1 of the raw body, hex, constant time."""

    def test_known_vector(self) -> None:
        """The Java SDK's vector verifies byte for byte."""
        assert hmac.new(b"secret value", VECTOR_BODY, hashlib.sha1).hexdigest() == VECTOR_SIGNATURE
        assert verify_signature(VECTOR_BODY, VECTOR_SIGNATURE, VECTOR_SECRET)

    def test_upper_case_hex_accepted(self) -> None:
        """Upper-case hex is the same signature."""
        assert verify_signature(VECTOR_BODY, VECTOR_SIGNATURE.upper(), VECTOR_SECRET)

    def test_tampered_body_rejected(self) -> None:
        """A single changed byte of the body fails verification."""
        tampered = VECTOR_BODY.replace(b"SUCCEEDED", b"SUCCEEDEd")
        assert not verify_signature(tampered, VECTOR_SIGNATURE, VECTOR_SECRET)

    def test_reserialised_body_rejected(self) -> None:
        """The signature covers the raw bytes, so re-serialised JSON does not verify."""
        reserialised = json.dumps(json.loads(VECTOR_BODY)).encode()
        assert not verify_signature(reserialised, VECTOR_SIGNATURE, VECTOR_SECRET)

    def test_wrong_secret_rejected(self) -> None:
        """Another secret gives another signature."""
        assert not verify_signature(VECTOR_BODY, VECTOR_SIGNATURE, "secret valuE")

    @pytest.mark.parametrize("signature", [None, "", "zz", VECTOR_SIGNATURE[:-1], "é" * 40])
    def test_missing_or_malformed_signature_is_false(self, signature: str | None) -> None:
        """A missing, empty, short or non-ASCII signature is False, never an exception."""
        assert verify_signature(VECTOR_BODY, signature, VECTOR_SECRET) is False

    @pytest.mark.parametrize("secret", [None, ""])
    def test_missing_secret_is_false(self, secret: str | None) -> None:
        """Without a secret nothing verifies."""
        assert verify_signature(VECTOR_BODY, VECTOR_SIGNATURE, secret) is False

    def test_utf8_secret(self) -> None:
        """A non-ASCII secret is keyed as UTF-8."""
        secret = "clé-secrète"
        signature = hmac.new(secret.encode("utf-8"), VECTOR_BODY, hashlib.sha1).hexdigest()
        assert verify_signature(VECTOR_BODY, signature, secret)


class TestParseEvent:
    """parse_event: typed events, open enums, strict errors."""

    def test_vector_body(self) -> None:
        """The vector body becomes a typed ACTIVE_NUMBER event with a UTC timestamp."""
        event = parse_event(VECTOR_BODY)
        assert event == CallbackEvent(
            event_id="01j3fycq0fyqq3gkgxb0g5ekbz",
            timestamp=datetime(2024, 7, 23, 14, 2, 14, 415637, tzinfo=UTC),
            project_id="b8bae3c6-e7df-422b-9401-8ae3ee3e0aff",
            resource_type=ResourceType.ACTIVE_NUMBER,
            resource_id="+12053017799",
            event_type=CallbackEventType.PROVISIONING_TO_VOICE_PLATFORM,
            status=CallbackStatus.SUCCEEDED,
            failure_code=None,
        )

    def test_str_body(self) -> None:
        """A str body parses like its bytes."""
        assert parse_event(VECTOR_BODY.decode()) == parse_event(VECTOR_BODY)

    def test_timestamp_without_zone_is_utc(self) -> None:
        """A timestamp without a zone is taken as UTC."""
        event = parse_event(event_body(timestamp="2023-06-06T07:45:27.785357"))
        assert event.timestamp == datetime(2023, 6, 6, 7, 45, 27, 785357, tzinfo=UTC)

    def test_timestamp_with_offset_kept(self) -> None:
        """An explicit offset is kept, and the instant is right."""
        event = parse_event(event_body(timestamp="2023-06-06T09:45:27+02:00"))
        assert event.timestamp is not None
        assert event.timestamp.utcoffset() == timedelta(hours=2)
        assert event.timestamp == datetime(2023, 6, 6, 7, 45, 27, tzinfo=UTC)

    def test_failed_event_with_known_failure_code(self) -> None:
        """A documented failureCode becomes the enum member; internalFailureCode is a string."""
        event = parse_event(
            event_body(
                eventType="PROVISIONING_TO_CAMPAIGN",
                status="FAILED",
                failureCode="CAMPAIGN_NOT_AVAILABLE",
                internalFailureCode="CRS0018",
            )
        )
        assert event.failure_code is CallbackFailureCode.CAMPAIGN_NOT_AVAILABLE
        assert event.status is CallbackStatus.FAILED
        assert event.internal_failure_code == "CRS0018"

    def test_unknown_enum_values_kept_as_strings(self) -> None:
        """failureCode, eventType, status and resourceType outside the spec stay strings."""
        event = parse_event(
            event_body(
                resourceType="BRAND_NEW_RESOURCE",
                eventType="SOMETHING_ELSE",
                status="PARTIAL",
                failureCode="PROVISIONING_TO_VOICE_PLATFORM_FAILED",
            )
        )
        assert event.resource_type == "BRAND_NEW_RESOURCE"
        assert event.event_type == "SOMETHING_ELSE"
        assert event.status == "PARTIAL"
        assert event.failure_code == "PROVISIONING_TO_VOICE_PLATFORM_FAILED"
        assert type(event.failure_code) is str

    def test_number_order_event(self) -> None:
        """A NUMBER_ORDER event carries the order id and the order's new state."""
        body = json.dumps(
            {
                "eventId": "01jgkbbn3s5hz0k9qjwt2n1ya4",
                "timestamp": "2025-01-02T10:00:00.5",
                "projectId": "p",
                "resourceType": "NUMBER_ORDER",
                "resourceId": "01jgkbb8xywmz3hhahd76menqf",
                "eventType": "NUMBER_ORDER_PROCESSING",
                "status": "COMPLETED",
            }
        )
        event = parse_event(body)
        assert event.resource_type is ResourceType.NUMBER_ORDER
        assert event.resource_id == "01jgkbb8xywmz3hhahd76menqf"
        assert event.event_type is CallbackEventType.NUMBER_ORDER_PROCESSING
        assert event.status is CallbackStatus.COMPLETED
        assert event.failure_code is None

    def test_only_resource_type_required(self) -> None:
        """Absent optional fields are None; unknown fields are ignored."""
        event = parse_event(b'{"resourceType":"ACTIVE_NUMBER","futureField":{"a":[1]}}')
        assert event == CallbackEvent(resource_type=ResourceType.ACTIVE_NUMBER)

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(b"", id="empty"),
            pytest.param(b"not json", id="not-json"),
            pytest.param(b'{"resourceType":', id="truncated"),
            pytest.param(b"\xff\xfe{}", id="not-utf8"),
            pytest.param(b"[1, 2]", id="array"),
            pytest.param(b'"ACTIVE_NUMBER"', id="string"),
            pytest.param(b"null", id="null"),
            pytest.param(b"42", id="number"),
            pytest.param(b"{}", id="no-resource-type"),
            pytest.param(b'{"resourceType":null}', id="null-resource-type"),
            pytest.param(b'{"resourceType":7}', id="int-resource-type"),
            pytest.param(b'{"resourceType":"ACTIVE_NUMBER","eventId":12}', id="int-event-id"),
            pytest.param(b'{"resourceType":"ACTIVE_NUMBER","status":true}', id="bool-status"),
            pytest.param(b'{"resourceType":"ACTIVE_NUMBER","timestamp":5}', id="int-timestamp"),
            pytest.param(b'{"resourceType":"ACTIVE_NUMBER","timestamp":"later"}', id="bad-time"),
            pytest.param(b'{"resourceType":"ACTIVE_NUMBER","failureCode":[]}', id="list-code"),
            pytest.param(b"[" * 5000 + b"]" * 5000, id="deep-nesting"),
        ],
    )
    def test_malformed_body_raises_callback_parse_error(self, body: bytes) -> None:
        """Every malformed body raises CallbackParseError, a SinchNumbersError and ValueError."""
        with pytest.raises(CallbackParseError) as info:
            parse_event(body)
        assert isinstance(info.value, SinchNumbersError)
        assert isinstance(info.value, ValueError)


class TestConstruction:
    """Factory arguments, public names and what the objects show."""

    def test_public_names(self) -> None:
        """sinch_numbers.callbacks exports exactly the intended names, all of them defined."""
        assert set(callbacks.__all__) == {
            "AiohttpCallbackHandler",
            "AsgiCallbackApp",
            "CallbackEvent",
            "CallbackParseError",
            "OnEvent",
            "SIGNATURE_HEADER",
            "SINCH_CALLBACK_IPS",
            "SecretSource",
            "aiohttp_handler",
            "asgi_app",
            "parse_event",
            "verify_signature",
        }
        for name in callbacks.__all__:
            assert hasattr(callbacks, name)

    def test_repr_hides_secret(self) -> None:
        """Neither handler's repr contains the secret."""
        for factory in (aiohttp_handler, asgi_app):
            receiver = factory(SECRET, Recorder())
            assert SECRET not in repr(receiver)
            assert "pending=0" in repr(receiver)

    @pytest.mark.parametrize(
        "options",
        [
            {"secret": ""},
            {"max_body_size": 0},
            {"deduplicate": -1},
            {"shutdown_timeout": -1.0},
        ],
    )
    def test_bad_options_rejected(self, options: dict[str, Any]) -> None:
        """Empty secrets and nonsensical limits fail at construction with ValueError."""
        secret = options.pop("secret", SECRET)
        with pytest.raises(ValueError):
            aiohttp_handler(secret, Recorder(), **options)

    def test_non_callable_on_event_rejected(self) -> None:
        """on_event must be callable."""
        with pytest.raises(TypeError):
            asgi_app(SECRET, "not a function")  # type: ignore[arg-type]


class TestWebhook:
    """Both front ends over real HTTP on 127.0.0.1."""

    async def test_signed_event_handed_over(self, start: Start) -> None:
        """A correctly signed delivery gets 200 and on_event receives the typed event."""
        recorder = Recorder()
        endpoint = await start(recorder, secret=VECTOR_SECRET)
        status, _ = await endpoint.post(VECTOR_BODY, VECTOR_SIGNATURE)
        assert status == 200
        assert await endpoint.receiver.drain(5)
        assert recorder.events == [parse_event(VECTOR_BODY)]
        assert recorder.events[0].status is CallbackStatus.SUCCEEDED

    async def test_header_name_case_insensitive(self, start: Start) -> None:
        """The signature header is found whatever its case."""
        recorder = Recorder()
        endpoint = await start(recorder)
        body = event_body()
        status, _ = await endpoint.post(
            body, None, headers={"x-sinch-signature": sign(body).upper()}
        )
        assert status == 200
        assert await endpoint.receiver.drain(5)
        assert len(recorder.events) == 1

    @pytest.mark.parametrize(
        ("mangle", "signature"),
        [
            pytest.param(
                lambda b: b.replace(b"SUCCEEDED", b"FAILED"), "sign-original", id="tamper"
            ),
            pytest.param(lambda b: b, sign(event_body(), OTHER_SECRET), id="wrong-secret"),
            pytest.param(lambda b: b, None, id="missing-header"),
            pytest.param(lambda b: b, "", id="empty-header"),
            pytest.param(lambda b: b, "not-hex-at-all", id="garbage-header"),
        ],
    )
    async def test_bad_signature_is_401(
        self,
        start: Start,
        caplog: pytest.LogCaptureFixture,
        mangle: Callable[[bytes], bytes],
        signature: str | None,
    ) -> None:
        """Tampered body, wrong secret or missing header gets 401 and on_event is never called."""
        recorder = Recorder()
        endpoint = await start(recorder)
        original = event_body()
        if signature == "sign-original":
            signature = sign(original)
        status, _ = await endpoint.post(mangle(original), signature)
        assert status == 401
        assert await endpoint.receiver.drain(5)
        assert recorder.events == []
        assert SECRET not in caplog.text

    async def test_rotating_secret(self, start: Start) -> None:
        """A secret given as an async function is read per delivery, so it can be rotated."""
        current = {"secret": SECRET}

        async def secret() -> str:
            return current["secret"]

        recorder = Recorder()
        endpoint = await start(recorder, secret=secret)
        assert (await endpoint.post(event_body("a")))[0] == 200
        current["secret"] = OTHER_SECRET
        assert (await endpoint.post(event_body("b")))[0] == 401
        assert (await endpoint.post(event_body("c"), sign(event_body("c"), OTHER_SECRET)))[0] == 200
        assert await endpoint.receiver.drain(5)
        assert [e.event_id for e in recorder.events] == ["a", "c"]

    async def test_secret_function_returning_none_is_401(self, start: Start) -> None:
        """When the secret function has no secret, deliveries are rejected, not accepted."""
        recorder = Recorder()
        endpoint = await start(recorder, secret=lambda: None)
        assert (await endpoint.post(event_body()))[0] == 401
        assert recorder.events == []

    async def test_secret_function_failing_is_500(
        self, start: Start, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A failing secret lookup answers 500 (Sinch retries) and is logged."""

        def secret() -> str:
            raise RuntimeError("vault unreachable")

        recorder = Recorder()
        endpoint = await start(recorder, secret=secret)
        assert (await endpoint.post(event_body()))[0] == 500
        assert "vault unreachable" in caplog.text
        assert recorder.events == []

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param(b"{not json", id="not-json"),
            pytest.param(b"[]", id="array"),
            pytest.param(b'{"eventId":"x"}', id="no-resource-type"),
            pytest.param(b'{"resourceType":"ACTIVE_NUMBER","timestamp":1}', id="wrong-type"),
        ],
    )
    async def test_malformed_body_is_400(self, start: Start, body: bytes) -> None:
        """A correctly signed body that is not a valid event gets 400."""
        recorder = Recorder()
        endpoint = await start(recorder)
        status, _ = await endpoint.post(body)
        assert status == 400
        assert recorder.events == []

    async def test_declared_oversize_body_is_413(self, start: Start) -> None:
        """A Content-Length over max_body_size gets 413 even when correctly signed."""
        recorder = Recorder()
        endpoint = await start(recorder, max_body_size=1024)
        body = event_body(padding="x" * 2000)
        status, _ = await endpoint.post(body)
        assert status == 413
        assert recorder.events == []
        assert (await endpoint.post(event_body()))[0] == 200

    async def test_streamed_oversize_body_is_413_before_the_end(self, start: Start) -> None:
        """A chunked body is refused once it passes the limit, without waiting for the rest."""
        recorder = Recorder()
        endpoint = await start(recorder, max_body_size=1024)
        answered = asyncio.Event()

        async def chunks() -> AsyncIterator[bytes]:
            yield b"x" * 2048
            # The rest only comes after the answer: a server reading it all would hang here.
            await answered.wait()
            yield b"x"

        headers = {"X-Sinch-Signature": "0" * 40, "Content-Type": "application/json"}
        async with asyncio.timeout(5):
            async with endpoint.session.post(endpoint.url, data=chunks(), headers=headers) as resp:
                answered.set()
                assert resp.status == 413
        assert recorder.events == []

    async def test_default_limit_is_64_kib(self, start: Start) -> None:
        """Without options, 64 KiB passes the size check and anything larger gets 413."""
        endpoint = await start(Recorder())
        assert (await endpoint.post(b" " * (64 * 1024), None))[0] == 401
        assert (await endpoint.post(b" " * (64 * 1024 + 1), None))[0] == 413

    async def test_on_event_failure_logged_and_server_keeps_serving(
        self, start: Start, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An exception in on_event is logged with the event id; the next delivery still works."""
        handled: list[str | None] = []

        async def on_event(event: CallbackEvent) -> None:
            if event.event_id == "boom":
                raise RuntimeError("handler bug")
            handled.append(event.event_id)

        endpoint = await start(on_event)
        with caplog.at_level(logging.ERROR, logger="sinch_numbers"):
            assert (await endpoint.post(event_body("boom")))[0] == 200
            assert await endpoint.receiver.drain(5)
            assert (await endpoint.post(event_body("fine")))[0] == 200
            assert await endpoint.receiver.drain(5)
        assert handled == ["fine"]
        failures = [r for r in caplog.records if r.name == "sinch_numbers" and r.exc_info]
        assert len(failures) == 1
        assert "boom" in failures[0].getMessage()
        assert "handler bug" in caplog.text
        assert SECRET not in caplog.text
        assert "+12053017799" not in caplog.text

    async def test_duplicate_event_handed_over_once(self, start: Start) -> None:
        """A redelivered eventId gets 200 but reaches on_event only once."""
        recorder = Recorder()
        endpoint = await start(recorder)
        for _ in range(3):
            assert (await endpoint.post(event_body("same-id")))[0] == 200
        assert (await endpoint.post(event_body("other-id")))[0] == 200
        assert await endpoint.receiver.drain(5)
        assert [e.event_id for e in recorder.events] == ["same-id", "other-id"]

    async def test_dedupe_window_is_bounded(self, start: Start) -> None:
        """Only the last `deduplicate` event ids are remembered (least recently seen go first)."""
        recorder = Recorder()
        endpoint = await start(recorder, deduplicate=2)
        for event_id in ["a", "b", "a", "c", "b", "a"]:
            assert (await endpoint.post(event_body(event_id)))[0] == 200
        assert await endpoint.receiver.drain(5)
        # "a" is refreshed by its repeat, so "b" is the one evicted by "c".
        assert [e.event_id for e in recorder.events] == ["a", "b", "c", "b", "a"]

    async def test_dedupe_off(self, start: Start) -> None:
        """deduplicate=None hands over every delivery."""
        recorder = Recorder()
        endpoint = await start(recorder, deduplicate=None)
        for _ in range(2):
            assert (await endpoint.post(event_body("same-id")))[0] == 200
        assert await endpoint.receiver.drain(5)
        assert len(recorder.events) == 2

    async def test_response_not_blocked_by_slow_on_event(self, start: Start) -> None:
        """The 200 arrives while on_event is still waiting; it finishes afterwards."""
        release = asyncio.Event()
        started = asyncio.Event()
        finished: list[str | None] = []

        async def on_event(event: CallbackEvent) -> None:
            started.set()
            await release.wait()
            finished.append(event.event_id)

        endpoint = await start(on_event)
        async with asyncio.timeout(5):
            status, _ = await endpoint.post(event_body("slow"))
        assert status == 200
        await asyncio.wait_for(started.wait(), 5)
        assert endpoint.receiver.pending == 1
        assert finished == []
        release.set()
        assert await endpoint.receiver.drain(5)
        assert finished == ["slow"]
        assert endpoint.receiver.pending == 0

    async def test_sync_on_event_accepted(self, start: Start) -> None:
        """A plain function works as on_event too."""
        seen: list[CallbackEvent] = []
        endpoint = await start(seen.append)
        assert (await endpoint.post(event_body()))[0] == 200
        assert await endpoint.receiver.drain(5)
        assert len(seen) == 1

    async def test_get_is_405(self, start: Start) -> None:
        """Only POST is accepted."""
        endpoint = await start(Recorder())
        async with endpoint.session.get(endpoint.url) as resp:
            assert resp.status == 405

    async def test_closed_receiver_answers_503(self, start: Start) -> None:
        """After aclose, a valid delivery gets 503 so Sinch retries it later."""
        recorder = Recorder()
        endpoint = await start(recorder)
        await endpoint.receiver.aclose()
        assert endpoint.receiver.closed
        assert (await endpoint.post(event_body()))[0] == 503
        assert recorder.events == []

    async def test_aclose_cancels_stuck_handlers_after_timeout(
        self, start: Start, caplog: pytest.LogCaptureFixture
    ) -> None:
        """aclose waits up to its timeout, then cancels on_event calls that are still running."""
        started = asyncio.Event()
        cancelled = asyncio.Event()

        async def on_event(event: CallbackEvent) -> None:
            started.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.set()
                raise

        endpoint = await start(on_event)
        assert (await endpoint.post(event_body()))[0] == 200
        await asyncio.wait_for(started.wait(), 5)
        assert not await endpoint.receiver.drain(0.05)
        await endpoint.receiver.aclose(0.05)
        assert cancelled.is_set()
        assert endpoint.receiver.pending == 0
        assert "cancelling 1 unfinished" in caplog.text


class TestShutdown:
    """Server shutdown waits for pending on_event calls."""

    async def test_aiohttp_on_shutdown_drains(self) -> None:
        """The on_shutdown hook lets a running on_event finish before the app is cleaned up."""
        finished: list[str | None] = []

        async def on_event(event: CallbackEvent) -> None:
            await asyncio.sleep(0.2)
            finished.append(event.event_id)

        handler = aiohttp_handler(SECRET, on_event)
        async with AsyncExitStack() as stack:
            session = await stack.enter_async_context(aiohttp.ClientSession())
            server_stack = await stack.enter_async_context(AsyncExitStack())
            url = await serve_aiohttp(server_stack, handler)
            async with session.post(
                url,
                data=event_body("late"),
                headers={"X-Sinch-Signature": sign(event_body("late"))},
            ) as resp:
                assert resp.status == 200
            assert finished == []
            await server_stack.aclose()
            assert finished == ["late"]
            assert handler.closed

    async def test_asgi_lifespan_shutdown_drains(self) -> None:
        """uvicorn's lifespan shutdown lets a running on_event finish before the server exits."""
        finished: list[str | None] = []

        async def on_event(event: CallbackEvent) -> None:
            await asyncio.sleep(0.2)
            finished.append(event.event_id)

        app = asgi_app(SECRET, on_event)
        async with AsyncExitStack() as stack:
            session = await stack.enter_async_context(aiohttp.ClientSession())
            server_stack = await stack.enter_async_context(AsyncExitStack())
            url = await serve_uvicorn(server_stack, app)
            async with session.post(
                url,
                data=event_body("late"),
                headers={"X-Sinch-Signature": sign(event_body("late"))},
            ) as resp:
                assert resp.status == 200
            assert finished == []
            await server_stack.aclose()
            assert finished == ["late"]
            assert app.closed
