"""End to end: the emulator rents a number with a callbackUrl and its signed event reaches
``on_event`` through the aiohttp handler and through the ASGI app under uvicorn."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC

import pytest

from sinch_numbers import (
    CallbackEventType,
    CallbackStatus,
    NumbersClient,
    NumberType,
    ResourceType,
    SmsConfiguration,
)
from sinch_numbers.callbacks import (
    AiohttpCallbackHandler,
    AsgiCallbackApp,
    CallbackEvent,
    SecretSource,
    aiohttp_handler,
    asgi_app,
    verify_signature,
)
from sinch_numbers.testing import NumbersEmulator
from tests.test_callbacks import serve_aiohttp, serve_uvicorn

PROJECT_SECRET = "e2e-project-secret-0123456789abcdef"


class Recorder:
    """An ``on_event`` that records events and signals each arrival."""

    def __init__(self) -> None:
        self.events: list[CallbackEvent] = []
        self.arrived = asyncio.Event()

    async def __call__(self, event: CallbackEvent) -> None:
        self.events.append(event)
        self.arrived.set()


async def serve(
    stack: AsyncExitStack, frontend: str, secret: SecretSource, on_event: Recorder
) -> tuple[str, AiohttpCallbackHandler | AsgiCallbackApp]:
    """Start the chosen front end on 127.0.0.1; its URL and the receiver."""
    if frontend == "aiohttp":
        handler = aiohttp_handler(secret, on_event)
        return await serve_aiohttp(stack, handler), handler
    app = asgi_app(secret, on_event)
    return await serve_uvicorn(stack, app), app


async def rent_one(client: NumbersClient, callback_url: str) -> str:
    """Rent the first available US LOCAL number with an SMS plan and ``callback_url``."""
    [available] = await client.available_numbers.list(
        region_code="US", number_type=NumberType.LOCAL, size=1
    ).collect()
    await client.available_numbers.rent(
        available.phone_number,
        sms_configuration=SmsConfiguration("plan"),
        callback_url=callback_url,
    )
    return available.phone_number


@pytest.mark.parametrize("frontend", ["aiohttp", "asgi"])
class TestEmulatorCallbacks:
    """The emulator's signed callbacks through both front ends."""

    async def test_rent_delivers_typed_event(self, frontend: str) -> None:
        """Renting with a callbackUrl delivers a signed event that on_event receives typed."""
        recorder = Recorder()
        async with AsyncExitStack() as stack:
            emu = await stack.enter_async_context(NumbersEmulator(provisioning_delay=0.05))
            client = await stack.enter_async_context(emu.client())
            await client.callback_configuration.update(hmac_secret=PROJECT_SECRET)
            url, receiver = await serve(stack, frontend, lambda: emu.hmac_secret, recorder)

            phone_number = await rent_one(client, url)
            await emu.wait_callbacks(1)
            await asyncio.wait_for(recorder.arrived.wait(), 5)
            assert await receiver.drain(5)

            [event] = recorder.events
            assert event.resource_type is ResourceType.ACTIVE_NUMBER
            assert event.resource_id == phone_number
            assert event.event_type is CallbackEventType.PROVISIONING_TO_SMS_PLATFORM
            assert event.status is CallbackStatus.SUCCEEDED
            assert event.project_id == emu.project_id
            assert event.timestamp is not None
            assert event.timestamp.tzinfo is UTC
            assert event.event_id == emu.events[0]["eventId"]
            [delivery] = emu.callbacks_sent
            assert delivery.status == 200
            assert verify_signature(delivery.body, delivery.signature, PROJECT_SECRET)

    async def test_stale_secret_rejects_every_attempt(self, frontend: str) -> None:
        """After the project's secret is rotated, a handler on the old one answers 401 to
        every delivery attempt and on_event never runs."""
        recorder = Recorder()
        async with AsyncExitStack() as stack:
            emu = await stack.enter_async_context(NumbersEmulator(provisioning_delay=0.05))
            client = await stack.enter_async_context(emu.client())
            old_secret = emu.hmac_secret
            assert old_secret is not None
            await client.callback_configuration.update(hmac_secret=PROJECT_SECRET)
            url, receiver = await serve(stack, frontend, old_secret, recorder)

            await rent_one(client, url)
            async with asyncio.timeout(5):
                # The emulator's stats have no event to wait on; poll them.
                while emu.stats.callbacks_failed < 1:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            assert emu.callbacks_sent
            assert {d.status for d in emu.callbacks_sent} == {401}
            assert await receiver.drain(5)
            assert recorder.events == []
