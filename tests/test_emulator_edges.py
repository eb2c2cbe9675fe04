"""Emulator edge cases found in review: shutdown with a request in flight, oversized bodies,
constructor and fault arguments that would hang or crash it, and huge bulk requests."""

from __future__ import annotations

import asyncio
import io
import logging
import math
import time
from typing import Any

import pytest

from sinch_numbers import RetryPolicy, SmsConfiguration
from sinch_numbers.testing import Fault, NumbersEmulator
from sinch_numbers.testing._orders import number_orders
from tests.test_emulator import Reply, open_api


class TestStopWithRequestInFlight:
    """stop() lets requests already being handled finish before background work ends."""

    async def test_rent_in_flight_completes(self, caplog: pytest.LogCaptureFixture) -> None:
        """A rent that starts provisioning while the emulator stops gets its 200, not a 500
        "emulator bug", and nothing is logged as an error."""
        emulator = NumbersEmulator(latency=0.2)
        await emulator.start()
        async with emulator.client(auth="basic", retry=RetryPolicy(max_attempts=1)) as client:
            rent = asyncio.create_task(
                client.available_numbers.rent_any(
                    region_code="US",
                    number_type="LOCAL",
                    sms_configuration=SmsConfiguration(service_plan_id="plan"),
                )
            )
            await asyncio.sleep(0.05)
            with caplog.at_level(logging.ERROR, logger="sinch_numbers.testing"):
                await emulator.stop()
            number = await rent
        assert number.phone_number in emulator.active_phone_numbers()
        assert [r.status for r in emulator.requests] == [200]
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


class TestOversizedBody:
    """A body above the emulator's request limit gets the API's 413 envelope."""

    async def test_body_over_the_limit(self) -> None:
        """Beyond the HTTP body limit the answer is a JSON 413 CONTENT_TOO_LARGE (not
        aiohttp's plain text), and the request is in the log."""
        async with NumbersEmulator() as emulator, open_api(emulator) as api:
            desk = number_orders(emulator)
            desk.max_attachment_size = 2**40  # only the HTTP limit applies
            reply = await api.post(
                "/numberOrders:createNumberOrder",
                json_body={
                    "regionCode": "DE",
                    "numberType": "MOBILE",
                    "quantityOrderOption": {"requestedQuantity": 1},
                },
            )
            order_id = reply.json["idNumberOrder"]
            emulator.clear_requests()
            big = io.BytesIO(b"x" * (33 * 1024 * 1024))
            async with api.session.post(
                api.url(f"/numberOrders/{order_id}/attachments/proof-of-address"),
                data=big,
                headers={"Authorization": api.basic, "Content-Type": "application/pdf"},
            ) as resp:
                reply = Reply(resp.status, resp.headers, await resp.read())
            assert reply.status == 413
            assert reply.headers["Content-Type"].startswith("application/json")
            assert reply.error["status"] == "CONTENT_TOO_LARGE"
            assert reply.error["code"] == 413
            [detail] = reply.error["details"]
            assert detail["resourceName"].endswith("/attachments/proof-of-address")
            [logged] = emulator.requests
            assert logged.status == 413
            assert logged.operation == "UploadNumberOrderAttachment"
            assert desk.attachments(order_id) == []


class TestArguments:
    """Arguments that would make the emulator hang or crash are refused up front."""

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("latency", math.nan),
            ("latency", math.inf),
            ("latency", -1.0),
            ("provisioning_delay", math.nan),
            ("provisioning_delay", -0.5),
            ("token_lifetime", math.nan),
            ("token_lifetime", 0.0),
            ("active_numbers", -1),
            ("port", 65536),
            ("port", -1),
        ],
    )
    def test_constructor_names_the_bad_argument(self, name: str, value: float) -> None:
        """The ValueError names the argument that is wrong (and only that one)."""
        options: dict[str, Any] = {name: value}
        with pytest.raises(ValueError, match=f"^{name} ") as info:
            NumbersEmulator(**options)
        others = {"latency", "provisioning_delay", "token_lifetime", "active_numbers", "port"}
        assert not [o for o in others - {name} if o in str(info.value)]

    @pytest.mark.parametrize(
        "options",
        [
            {"delay": math.nan},
            {"delay": -1.0},
            {"retry_after": math.inf},
            {"retry_after": -1.0},
        ],
    )
    def test_inject_refuses_bad_timing(self, options: dict[str, Any]) -> None:
        """inject() refuses a delay or Retry-After that is negative or not finite."""
        emulator = NumbersEmulator()
        with pytest.raises(ValueError, match=next(iter(options))):
            emulator.inject(Fault.LATENCY, **options)
        with pytest.raises(ValueError, match=next(iter(options))):
            emulator.chaos(0.5, **options)
        assert emulator.pending_faults == 0


class TestBulkCapacity:
    """add_active_numbers beyond what a bulk range can hold fails at once."""

    def test_too_many_fails_fast(self) -> None:
        """Asking for more numbers than the range holds raises without building them."""
        emulator = NumbersEmulator()
        started = time.monotonic()
        with pytest.raises(ValueError, match="at most 10000000 more US LOCAL"):
            emulator.add_active_numbers(10**8)
        assert time.monotonic() - started < 1.0
        assert emulator.active_phone_numbers() == []
