"""Chaos suite: the SDK against the emulator with faults on about one request in five.

Figures from these runs (requests, faults, retries, items lost and duplicated) are printed with
``pytest -s tests/test_chaos.py`` and quoted in docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import pytest

import sinch_numbers as sn
from sinch_numbers import RetryPolicy, SmsConfiguration
from sinch_numbers.testing import Fault, NumbersEmulator

pytestmark = pytest.mark.chaos

# Short waits keep the suite quick; enough attempts that 1-in-5 faults never exhaust them.
POLICY = RetryPolicy(max_attempts=8, backoff_initial=0.005, backoff_max=0.05, deadline=60)


def report(name: str, emu: NumbersEmulator, **figures: Any) -> None:
    faults = dict(sorted(emu.stats.faults.items()))
    print(
        f"\n[chaos] {name}: api_requests={emu.stats.api_requests} "
        f"token_requests={emu.stats.token_requests} faults={sum(faults.values())} {faults} "
        + " ".join(f"{k}={v}" for k, v in figures.items())
    )


class TestChaos:
    """Faults on ~20% of requests: nothing lost, nothing duplicated, nothing done twice."""

    async def test_listing_20000_exactly_once(self) -> None:
        """Listing 20,000 numbers through chaos and a token expiry yields each exactly once."""
        async with NumbersEmulator(seed=11, active_numbers=20_000) as emu:
            expected = set(emu.active_phone_numbers())
            emu.chaos(0.2, seed=5, retry_after=0.01, delay=0.02)
            seen: collections.Counter[str] = collections.Counter()
            async with emu.client(retry=POLICY) as client:
                pages = 0
                async for page in client.active_numbers.list(page_size=100).pages():
                    pages += 1
                    seen.update(n.phone_number for n in page.items)
                    if pages == 100:
                        emu.expire_tokens()  # a token expiring mid-run
            listing = [r for r in emu.requests if r.path.endswith("/activeNumbers")]
            lost = len(expected - set(seen))
            duplicated = sum(c - 1 for c in seen.values() if c > 1)
            report(
                "list 20000",
                emu,
                pages=pages,
                list_requests=len(listing),
                retries=len(listing) - pages,
                lost=lost,
                duplicated=duplicated,
            )
        assert lost == 0
        assert duplicated == 0
        assert set(seen) == expected
        assert sum(emu.stats.faults.values()) > 0.1 * emu.stats.api_requests

    async def test_500_concurrent_gets(self) -> None:
        """500 concurrent gets under chaos all succeed (or fail only with the SDK's errors)."""
        async with NumbersEmulator(seed=12, active_numbers=500) as emu:
            numbers = emu.active_phone_numbers()
            # Token expiry once mid-run (as in life) rather than on random requests: a token that
            # died every few milliseconds would fail calls still queued for a connection.
            kinds = [kind for kind in Fault if kind is not Fault.TOKEN_EXPIRY]
            emu.chaos(0.2, seed=6, kinds=kinds, retry_after=0.01, delay=0.02)

            async def expire_midway() -> None:
                while emu.stats.api_requests < 300:  # noqa: ASYNC110 - polls a counter
                    await asyncio.sleep(0.001)
                emu.expire_tokens()

            async with emu.client(retry=POLICY) as client:
                expiry = asyncio.create_task(expire_midway())
                results = await asyncio.gather(
                    *(client.active_numbers.get(n) for n in numbers), return_exceptions=True
                )
                await expiry
            ok = [r for r in results if isinstance(r, sn.ActiveNumber)]
            failed = [r for r in results if not isinstance(r, sn.ActiveNumber)]
            report("500 gets", emu, succeeded=len(ok), failed=len(failed))
        assert all(isinstance(r, sn.SinchNumbersError) for r in failed), failed[:3]
        assert [r.phone_number for r in ok] == [
            n for n, r in zip(numbers, results, strict=True) if isinstance(r, sn.ActiveNumber)
        ]
        assert len(ok) == 500

    async def test_lost_rent_response_not_sent_twice(self) -> None:
        """A rent whose response is lost raises 'outcome unknown' and is not repeated."""
        async with NumbersEmulator(seed=13) as emu, emu.client(retry=POLICY) as client:
            candidates = await client.available_numbers.list(
                region_code="US", number_type="LOCAL", size=1
            ).collect()
            number = candidates[0].phone_number
            emu.inject(Fault.DROP_AFTER, method="POST", path=":rent")
            with pytest.raises(sn.TransportError) as info:
                await client.available_numbers.rent(
                    number, sms_configuration=SmsConfiguration("plan-1")
                )
            rents = [r for r in emu.requests if r.operation == "NumberService_RentNumber"]
            active = await client.active_numbers.get(number)
            report("lost rent", emu, rent_requests=len(rents))
        assert info.value.outcome_unknown is True
        assert f"active_numbers.get('{number}')" in str(info.value)
        assert len(rents) == 1
        assert active.phone_number == number

    async def test_rent_retried_on_rate_limit(self) -> None:
        """A rent refused with 429 is sent again and succeeds once."""
        async with NumbersEmulator(seed=14) as emu, emu.client(retry=POLICY) as client:
            (candidate,) = await client.available_numbers.list(
                region_code="US", number_type="LOCAL", size=1
            ).collect()
            emu.inject(Fault.RATE_LIMIT, times=2, method="POST", retry_after=0.01)
            rented = await client.available_numbers.rent(candidate.phone_number)
            rents = [
                r
                for r in emu.requests
                if r.operation == "NumberService_RentNumber" or ":rent" in r.path
            ]
        assert rented.phone_number == candidate.phone_number
        assert [r.status for r in rents] == [429, 429, 200]
