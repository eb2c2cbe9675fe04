"""Fault injection and chaos in the Numbers emulator, seen from a plain aiohttp client."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from sinch_numbers.testing import Fault, FaultKind, NumbersEmulator
from tests.test_emulator import Api, enc, open_api


@pytest.fixture
async def emu() -> AsyncIterator[NumbersEmulator]:
    async with NumbersEmulator(provisioning_delay=0.05) as emulator:
        yield emulator


@pytest.fixture
async def api(emu: NumbersEmulator) -> AsyncIterator[Api]:
    async with open_api(emu) as client:
        yield client


class TestInjectedFaults:
    """emu.inject(kind, ...) for each fault kind."""

    async def test_latency(self, emu: NumbersEmulator, api: Api) -> None:
        """LATENCY sleeps `delay`, then answers normally."""
        emu.inject(Fault.LATENCY, delay=0.2)
        started = time.perf_counter()
        reply = await api.get("/activeNumbers")
        assert reply.status == 200
        assert time.perf_counter() - started >= 0.2
        assert emu.requests[-1].fault is Fault.LATENCY

    async def test_rate_limit(self, emu: NumbersEmulator, api: Api) -> None:
        """RATE_LIMIT is 429 with Retry-After and an envelope, and the request is not done."""
        emu.inject(Fault.RATE_LIMIT, retry_after=0.25)
        reply = await api.post(
            "/availableNumbers:rentAny", json_body={"regionCode": "US", "type": "LOCAL"}
        )
        assert reply.status == 429
        assert reply.headers["Retry-After"] == "0.25"
        assert reply.error["status"] == "RESOURCE_EXHAUSTED"
        assert emu.active_phone_numbers() == []
        assert (emu.requests[0].operation, emu.requests[0].status) == (
            "NumberService_RentAnyNumber",
            429,
        )
        assert (await api.get("/activeNumbers")).status == 200

    async def test_rate_limit_whole_seconds_and_no_header(
        self, emu: NumbersEmulator, api: Api
    ) -> None:
        """Whole-second Retry-After is an integer; retry_after=None omits the header."""
        emu.inject(Fault.RATE_LIMIT, retry_after=2)
        emu.inject(Fault.RATE_LIMIT, retry_after=None)
        assert (await api.get("/activeNumbers")).headers["Retry-After"] == "2"
        assert "Retry-After" not in (await api.get("/activeNumbers")).headers

    @pytest.mark.parametrize(
        ("status", "name"), [(500, "INTERNAL"), (502, "UNAVAILABLE"), (503, "UNAVAILABLE")]
    )
    async def test_server_error(
        self, emu: NumbersEmulator, api: Api, status: int, name: str
    ) -> None:
        """SERVER_ERROR answers the given 5xx with a real error envelope."""
        emu.inject(Fault.SERVER_ERROR, status=status)
        reply = await api.get("/availableRegions")
        assert reply.status == status
        assert reply.error["code"] == status
        assert reply.error["status"] == name

    async def test_drop_before(self, emu: NumbersEmulator, api: Api) -> None:
        """DROP_BEFORE closes the connection and the number is NOT rented."""
        emu.inject(Fault.DROP_BEFORE)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await api.post(
                "/availableNumbers:rentAny", json_body={"regionCode": "US", "type": "LOCAL"}
            )
        assert emu.active_phone_numbers() == []
        assert emu.requests[-1].status is None
        assert emu.requests[-1].fault is Fault.DROP_BEFORE

    async def test_drop_after(self, emu: NumbersEmulator, api: Api) -> None:
        """DROP_AFTER closes the connection after the number WAS rented (response lost)."""
        emu.inject(Fault.DROP_AFTER)
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await api.post(
                "/availableNumbers:rentAny", json_body={"regionCode": "US", "type": "LOCAL"}
            )
        assert len(emu.active_phone_numbers()) == 1
        assert emu.requests[-1].status is None
        listing = (await api.get("/activeNumbers")).json
        assert listing["totalSize"] == 1

    async def test_drops_log_no_tracebacks(
        self, emu: NumbersEmulator, api: Api, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Dropped connections leave no error logs on the server side."""
        caplog.set_level(logging.DEBUG)
        for kind in (Fault.DROP_BEFORE, Fault.DROP_AFTER):
            emu.inject(kind, times=2)  # see test_aiohttp_retries_idempotent_drops_once
            with pytest.raises(aiohttp.ClientConnectionError):
                await api.get("/activeNumbers")
        await asyncio.sleep(0.05)
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert (await api.get("/activeNumbers")).status == 200

    async def test_aiohttp_retries_idempotent_drops_once(
        self, emu: NumbersEmulator, api: Api
    ) -> None:
        """aiohttp itself resends a GET once after a dropped connection, so a single drop on a
        GET is invisible to its caller (the emulator sees two requests)."""
        emu.inject(Fault.DROP_BEFORE)
        assert (await api.get("/activeNumbers")).status == 200
        assert [r.status for r in emu.requests] == [None, 200]

    async def test_token_expiry(self, emu: NumbersEmulator, api: Api) -> None:
        """TOKEN_EXPIRY is 401 'token expired' and really expires the caller's token."""
        bearer = await api.bearer()
        emu.inject(Fault.TOKEN_EXPIRY)
        reply = await api.get("/activeNumbers", auth=bearer)
        assert reply.status == 401
        assert reply.headers["WWW-Authenticate"] == (
            'Bearer error="invalid_token", error_description="token expired"'
        )
        assert (await api.get("/activeNumbers", auth=bearer)).status == 401
        assert (await api.get("/activeNumbers", auth=await api.bearer())).status == 200

    async def test_times_and_filters(self, emu: NumbersEmulator, api: Api) -> None:
        """A fault hits only `times` requests matching method and path (substring or regex)."""
        emu.inject(Fault.SERVER_ERROR, times=2, method="POST", path=":rentAny")
        emu.inject(Fault.RATE_LIMIT, path=re.compile(r"/availableRegions$"), retry_after=0)
        assert (await api.get("/activeNumbers")).status == 200
        assert (await api.get("/availableRegions")).status == 429
        body = {"regionCode": "US", "type": "LOCAL"}
        statuses = [
            (await api.post("/availableNumbers:rentAny", json_body=body)).status for _ in range(3)
        ]
        assert statuses == [500, 500, 200]
        assert emu.pending_faults == 0
        assert emu.stats.faults == {Fault.SERVER_ERROR: 2, Fault.RATE_LIMIT: 1}

    async def test_unlimited_until_cleared(self, emu: NumbersEmulator, api: Api) -> None:
        """times=None keeps failing until clear_faults()."""
        emu.inject("server_error", times=None, status=503)
        assert [(await api.get("/activeNumbers")).status for _ in range(3)] == [503] * 3
        emu.clear_faults()
        assert (await api.get("/activeNumbers")).status == 200

    async def test_token_endpoint_only_when_targeted(self, emu: NumbersEmulator, api: Api) -> None:
        """Faults without a path spare the token endpoint; path='/oauth2/token' hits it."""
        emu.inject(Fault.RATE_LIMIT)
        assert (await api.token()).status == 200
        emu.clear_faults()
        emu.inject(FaultKind.SERVER_ERROR, path="/oauth2/token", status=503)
        reply = await api.token()
        assert reply.status == 503
        assert (await api.token()).status == 200

    async def test_constructor_latency(self) -> None:
        """latency= delays every API request but not the token endpoint."""
        async with NumbersEmulator(latency=0.15) as emulator, open_api(emulator) as api:
            started = time.perf_counter()
            await api.token()
            assert time.perf_counter() - started < 0.15
            started = time.perf_counter()
            await api.get("/activeNumbers")
            assert time.perf_counter() - started >= 0.15

    def test_bad_arguments(self) -> None:
        """inject refuses zero times, non-5xx SERVER_ERROR statuses and unknown kinds."""
        emulator = NumbersEmulator()
        with pytest.raises(ValueError, match="times"):
            emulator.inject(Fault.LATENCY, times=0)
        with pytest.raises(ValueError, match="5xx"):
            emulator.inject(Fault.SERVER_ERROR, status=404)
        with pytest.raises(ValueError, match="meteor"):
            emulator.inject("meteor")


async def _chaos_run(seed: int, chaos_seed: int, *, include_token: bool = False) -> list[str]:
    """Outcomes of a fixed sequential request sequence under chaos."""
    outcomes: list[str] = []
    async with NumbersEmulator(seed=seed, active_numbers=40) as emulator, open_api(emulator) as api:
        emulator.chaos(
            0.4, seed=chaos_seed, retry_after=0, delay=0.001, include_token_endpoint=include_token
        )
        bearer: str | None = None
        for i in range(60):
            try:
                if i % 10 == 0:
                    reply = await api.token()
                    if reply.status == 200:
                        bearer = f"Bearer {reply.json['access_token']}"
                    outcomes.append(f"token:{reply.status}")
                    continue
                path = (
                    "/activeNumbers"
                    if i % 3
                    else f"/activeNumbers/{enc(emulator.active_phone_numbers()[0])}"
                )
                reply = await api.get(
                    path, params={"pageSize": 5} if i % 3 else None, auth=bearer or "basic"
                )
                outcomes.append(str(reply.status))
            except aiohttp.ClientConnectionError:
                outcomes.append("dropped")
        # The server's view: aiohttp resends a dropped GET once, so there may be more records.
        seen = [
            f"{'token' if r.operation == 'oauth2.token' else 'api'}:{r.status}/"
            f"{r.fault.value if r.fault else '-'}"
            for r in emulator.requests
        ]
    return outcomes + seen


class TestChaos:
    """emu.chaos(rate, seed=...) random faults."""

    async def test_deterministic_from_seed(self) -> None:
        """The same seed gives the same faults for the same requests; another seed differs."""
        first = await _chaos_run(seed=3, chaos_seed=11)
        second = await _chaos_run(seed=3, chaos_seed=11)
        other = await _chaos_run(seed=3, chaos_seed=12)
        assert first == second
        assert first != other
        faulty = [o for o in first if "/" in o and not o.endswith("/-")]
        assert 8 <= len(faulty) <= 45

    async def test_token_endpoint(self) -> None:
        """The token endpoint gets only 429/5xx/latency, and only when included."""
        spared = await _chaos_run(seed=1, chaos_seed=5)
        spared_tokens = [o for o in spared if o.startswith("token") and "/" in o]
        assert spared_tokens == ["token:200/-"] * 6
        outcomes = await _chaos_run(seed=1, chaos_seed=5, include_token=True)
        token_faults = {o.split("/")[1] for o in outcomes if o.startswith("token") and "/" in o}
        assert "-" in token_faults
        assert len(token_faults) > 1
        assert token_faults <= {"-", "rate_limit", "server_error", "latency"}

    async def test_off_and_kinds(self, emu: NumbersEmulator, api: Api) -> None:
        """chaos(0) turns it off; kinds limits what happens."""
        emu.chaos(1.0, kinds=[Fault.RATE_LIMIT], retry_after=0)
        assert {(await api.get("/activeNumbers")).status for _ in range(5)} == {429}
        emu.chaos(0)
        assert {(await api.get("/activeNumbers")).status for _ in range(5)} == {200}
        assert emu.stats.faults[Fault.RATE_LIMIT] == 5

    async def test_token_expiry_needs_a_bearer(self, emu: NumbersEmulator, api: Api) -> None:
        """Chaos TOKEN_EXPIRY leaves Basic-auth requests alone."""
        emu.chaos(1.0, kinds=[Fault.TOKEN_EXPIRY])
        assert (await api.get("/activeNumbers")).status == 200
        assert (await api.get("/activeNumbers", auth=await api.bearer())).status == 401

    def test_bad_rate(self) -> None:
        """A rate outside [0, 1] is refused."""
        with pytest.raises(ValueError, match="rate"):
            NumbersEmulator().chaos(1.5)
