"""Scheduled provisioning and signed callbacks from the Numbers emulator."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from sinch_numbers.testing import NumbersEmulator
from tests.spec_validation import validate_callback, validate_response
from tests.test_emulator import Api, enc, open_api


class Receiver:
    """A callback endpoint on 127.0.0.1 that records what it gets."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str | None]] = []
        self.statuses: list[int] = []  # answers to give first; 200 afterwards
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), request.headers.get("X-Sinch-Signature")))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/callbacks", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/callbacks"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _ in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    await rec.start()
    try:
        yield rec
    finally:
        await rec.stop()


@pytest.fixture
async def emu() -> AsyncIterator[NumbersEmulator]:
    async with NumbersEmulator(provisioning_delay=0.2) as emulator:
        yield emulator


@pytest.fixture
async def api(emu: NumbersEmulator) -> AsyncIterator[Api]:
    async with open_api(emu) as client:
        yield client


def _signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


class TestProvisioning:
    """smsConfiguration/voiceConfiguration changes go through scheduled provisioning."""

    async def test_rent_any_with_sms_and_voice(self, receiver: Receiver) -> None:
        """The rent response shows WAITING scheduled provisioning, then IN_PROGRESS; after the
        delay the values move to the top level and one signed callback per platform arrives."""
        async with NumbersEmulator(provisioning_delay=0.6) as emu, open_api(emu) as api:
            await self.check_rent_any_with_sms_and_voice(emu, api, receiver)

    async def check_rent_any_with_sms_and_voice(
        self, emu: NumbersEmulator, api: Api, receiver: Receiver
    ) -> None:
        started = asyncio.get_running_loop().time()
        body = {
            "regionCode": "US",
            "type": "LOCAL",
            "smsConfiguration": {"servicePlanId": "plan-1", "campaignId": "camp-1"},
            "voiceConfiguration": {"type": "EST", "trunkId": "trunk-1"},
            "callbackUrl": receiver.url,
        }
        # Checked against the spec later, so that validation time does not skew the timing.
        reply = await api.post("/availableNumbers:rentAny", json_body=body, validate=False)
        number = reply.json
        phone = number["phoneNumber"]
        sms, voice = number["smsConfiguration"], number["voiceConfiguration"]
        assert sms["servicePlanId"] == ""
        assert sms["scheduledProvisioning"]["servicePlanId"] == "plan-1"
        assert sms["scheduledProvisioning"]["campaignId"] == "camp-1"
        assert sms["scheduledProvisioning"]["status"] == "WAITING"
        assert voice["type"] == "RTC"
        assert voice["scheduledVoiceProvisioning"] == {
            "type": "EST",
            "trunkId": "trunk-1",
            "status": "WAITING",
            "lastUpdatedTime": voice["scheduledVoiceProvisioning"]["lastUpdatedTime"],
        }
        await asyncio.sleep(started + 0.45 - asyncio.get_running_loop().time())
        midway = (await api.get(f"/activeNumbers/{enc(phone)}", validate=False)).json
        validate_response("POST", "/v1/projects/{projectId}/availableNumbers:rentAny", 200, number)
        validate_response(
            "GET", "/v1/projects/{projectId}/activeNumbers/{phoneNumber}", 200, midway
        )
        assert midway["smsConfiguration"]["scheduledProvisioning"]["status"] == "IN_PROGRESS"
        await emu.wait_callbacks(2, timeout=5)
        done = (await api.get(f"/activeNumbers/{enc(phone)}")).json
        assert done["smsConfiguration"] == {"servicePlanId": "plan-1", "campaignId": "camp-1"}
        assert done["voiceConfiguration"]["type"] == "EST"
        assert done["voiceConfiguration"]["trunkId"] == "trunk-1"
        assert "scheduledVoiceProvisioning" not in done["voiceConfiguration"]
        assert done["voiceConfiguration"]["lastUpdatedTime"]

        events = receiver.events()
        assert sorted(e["eventType"] for e in events) == [
            "PROVISIONING_TO_SMS_PLATFORM",
            "PROVISIONING_TO_VOICE_PLATFORM",
        ]
        secret = emu.hmac_secret
        assert secret is not None
        for (raw, signature), event in zip(receiver.received, events, strict=True):
            assert signature is not None
            assert hmac.compare_digest(signature, _signature(secret, raw))
            assert re.fullmatch(r"[0-9a-f]{40}", signature)
            validate_callback(raw)
            assert set(event) == {
                "eventId",
                "timestamp",
                "projectId",
                "resourceId",
                "resourceType",
                "eventType",
                "status",
                "failureCode",
            }
            assert event["projectId"] == emu.project_id
            assert event["resourceId"] == phone
            assert event["resourceType"] == "ACTIVE_NUMBER"
            assert event["status"] == "SUCCEEDED"
            assert event["failureCode"] is None
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", event["timestamp"])
        assert len({e["eventId"] for e in events}) == 2
        assert [c.status for c in emu.callbacks_sent] == [200, 200]
        assert emu.stats.callbacks_delivered == 2

    async def test_update_and_unlink(
        self, emu: NumbersEmulator, api: Api, receiver: Receiver
    ) -> None:
        """PATCH linking then unlinking a service plan sends PROVISIONING then DEPROVISIONING."""
        (phone,) = emu.add_active_numbers(1, callback_url=receiver.url)
        path = f"/activeNumbers/{enc(phone)}"
        reply = (await api.patch(path, json_body={"smsConfiguration": {"servicePlanId": "p"}})).json
        assert reply["smsConfiguration"]["scheduledProvisioning"]["servicePlanId"] == "p"
        await emu.wait_callbacks(1)
        await api.patch(path, json_body={"smsConfiguration": {"servicePlanId": ""}})
        await emu.wait_callbacks(2)
        assert [e["eventType"] for e in receiver.events()] == [
            "PROVISIONING_TO_SMS_PLATFORM",
            "DEPROVISIONING_FROM_SMS_PLATFORM",
        ]
        assert (await api.get(path)).json["smsConfiguration"] == {
            "servicePlanId": "",
            "campaignId": "",
        }

    async def test_no_change_no_provisioning(self, emu: NumbersEmulator, api: Api) -> None:
        """Sending the current configuration again schedules nothing."""
        (phone,) = emu.add_active_numbers(1, voice_id="app-1")
        reply = await api.patch(
            f"/activeNumbers/{enc(phone)}", json_body={"voiceConfiguration": {"appId": "app-1"}}
        )
        assert "scheduledVoiceProvisioning" not in reply.json["voiceConfiguration"]

    async def test_events_without_callback_url(self, emu: NumbersEmulator, api: Api) -> None:
        """A number without callbackUrl still records the event but sends nothing."""
        await api.rent_any(smsConfiguration={"servicePlanId": "p"})
        await asyncio.sleep(0.3)
        assert [e["eventType"] for e in emu.events] == ["PROVISIONING_TO_SMS_PLATFORM"]
        assert emu.callbacks_sent == []

    async def test_release_cancels_provisioning(
        self, emu: NumbersEmulator, api: Api, receiver: Receiver
    ) -> None:
        """Releasing a number while provisioning runs sends no callback."""
        number = await api.rent_any(
            smsConfiguration={"servicePlanId": "p"}, callbackUrl=receiver.url
        )
        await api.post(f"/activeNumbers/{enc(number['phoneNumber'])}:release")
        await asyncio.sleep(0.3)
        assert receiver.received == []
        with pytest.raises(TimeoutError):
            await emu.wait_callbacks(1, timeout=0.05)


class TestDelivery:
    """How callbacks are delivered and signed."""

    async def test_retries_failed_delivery(
        self, emu: NumbersEmulator, api: Api, receiver: Receiver
    ) -> None:
        """A 500 from the receiver is retried; every attempt is in callbacks_sent."""
        receiver.statuses = [500]
        await api.rent_any(smsConfiguration={"servicePlanId": "p"}, callbackUrl=receiver.url)
        await emu.wait_callbacks(1, timeout=5)
        assert [c.status for c in emu.callbacks_sent] == [500, 200]
        first, second = receiver.received
        assert first == second

    async def test_new_secret_signs(
        self, emu: NumbersEmulator, api: Api, receiver: Receiver
    ) -> None:
        """After PATCH callbackConfiguration the new hmacSecret signs callbacks."""
        secret = "n" * 40
        await api.patch("/callbackConfiguration", json_body={"hmacSecret": secret})
        await api.rent_any(
            voiceConfiguration={"type": "FAX", "serviceId": "fax-1"}, callbackUrl=receiver.url
        )
        await emu.wait_callbacks(1)
        ((body, signature),) = receiver.received
        assert signature == _signature(secret, body)
        assert emu.callbacks_sent[0].signature == signature
        assert emu.callbacks_sent[0].body == body

    async def test_unsigned_without_secret(self, receiver: Receiver) -> None:
        """With hmac_secret=None callbacks carry no signature header."""
        async with (
            NumbersEmulator(hmac_secret=None, provisioning_delay=0.01) as emulator,
            open_api(emulator) as api,
        ):
            await api.rent_any(smsConfiguration={"servicePlanId": "p"}, callbackUrl=receiver.url)
            await emulator.wait_callbacks(1)
        assert receiver.received[0][1] is None

    async def test_only_loopback_hosts(self, emu: NumbersEmulator, api: Api) -> None:
        """Callbacks to non-loopback hosts are not sent unless allowed."""
        await api.rent_any(
            smsConfiguration={"servicePlanId": "p"},
            callbackUrl="https://callbacks.example.invalid/x",
        )
        await asyncio.sleep(0.3)
        assert emu.callbacks_sent == []
        assert emu.stats.callbacks_skipped == 1
        assert len(emu.events) == 1

    async def test_stop_cancels_pending_work(self, receiver: Receiver) -> None:
        """Leaving the emulator with provisioning pending cancels it cleanly."""
        async with NumbersEmulator(provisioning_delay=10) as emulator, open_api(emulator) as api:
            await api.rent_any(smsConfiguration={"servicePlanId": "p"}, callbackUrl=receiver.url)
        assert receiver.received == []
