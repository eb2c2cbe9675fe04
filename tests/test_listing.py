"""Listing at scale against the emulator: prefetch, parallel streams and bounded memory."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import AsyncIterable, AsyncIterator
from typing import TypeVar

import pytest

from sinch_numbers import ActiveNumber, OrderBy
from sinch_numbers.testing import NumbersEmulator

T = TypeVar("T")


@pytest.fixture
async def emu() -> AsyncIterator[NumbersEmulator]:
    """An emulator holding 1,234 active numbers with varied display names."""
    async with NumbersEmulator(seed=3) as emulator:
        emulator.add_active_numbers(1234, display_name=lambda i: f"line {i % 97:02d}")
        yield emulator


class TestParallelListing:
    """``parallel=N`` gives every number exactly once, in order when asked."""

    async def test_every_number_exactly_once(self, emu: NumbersEmulator) -> None:
        """The ten last-digit streams together yield each number once."""
        async with emu.client() as client:
            got = [
                n.phone_number async for n in client.active_numbers.list(page_size=50, parallel=4)
            ]
        assert len(got) == 1234
        assert sorted(got) == sorted(emu.active_phone_numbers())
        queries = [r for r in emu.requests if r.operation == "NumberService_ListActiveNumbers"]
        digits = {dict(r.query)["numberPattern.pattern"] for r in queries}
        assert digits == set("0123456789")
        assert {dict(r.query)["numberPattern.searchPattern"] for r in queries} == {"END"}

    @pytest.mark.parametrize("order_by", [OrderBy.PHONE_NUMBER, OrderBy.DISPLAY_NAME])
    async def test_merged_in_order(self, emu: NumbersEmulator, order_by: OrderBy) -> None:
        """With order_by, the merge gives the same order as one ordered listing."""
        async with emu.client() as client:
            plain = await client.active_numbers.list(page_size=200, order_by=order_by).collect()
            merged = await client.active_numbers.list(
                page_size=40, order_by=order_by, parallel=10
            ).collect()
        assert len(merged) == 1234
        if order_by is OrderBy.PHONE_NUMBER:
            assert [n.phone_number for n in merged] == [n.phone_number for n in plain]
        else:
            names = [n.display_name or "" for n in merged]
            assert names == sorted(names)
            assert sorted(n.phone_number for n in merged) == sorted(n.phone_number for n in plain)

    async def test_size_and_filters(self, emu: NumbersEmulator) -> None:
        """``size`` caps a parallel listing; the caller's filters go to every stream."""
        async with emu.client() as client:
            got = await client.active_numbers.list(
                region_code="US", page_size=10, size=55, parallel=3
            ).collect()
        assert len(got) == 55
        assert len({n.phone_number for n in got}) == 55
        queries = [r for r in emu.requests if r.operation == "NumberService_ListActiveNumbers"]
        assert all(dict(r.query)["regionCode"] == "US" for r in queries)

    async def test_refused_combinations(self, emu: NumbersEmulator) -> None:
        """Parallel listing refuses what it cannot honour, before any request."""
        async with emu.client() as client:
            with pytest.raises(ValueError, match="number_pattern"):
                client.active_numbers.list(number_pattern="12", parallel=2)
            with pytest.raises(ValueError, match="page_token"):
                client.active_numbers.list(page_token="abc", parallel=2)
            with pytest.raises(ValueError, match="parallel"):
                client.active_numbers.list(parallel=11)
        assert emu.requests == []

    async def test_break_early_cancels_streams(self, emu: NumbersEmulator) -> None:
        """Leaving a parallel listing early leaves no request or connection behind."""
        emu.latency = 0.05
        async with emu.client() as client:
            async for _ in client.active_numbers.list(page_size=20, parallel=10):
                break
            connector = client._transport._session.connector  # type: ignore[union-attr]
            assert connector is not None
            # The loop's async-generator finalizer runs the cleanup on the next iterations.
            for _ in range(100):
                await asyncio.sleep(0.01)
                if not any(connector._acquired_per_host.values()):
                    break
            assert sum(len(c) for c in connector._acquired_per_host.values()) == 0
            arrived = emu.stats.api_requests
            await asyncio.sleep(0.2)
            assert emu.stats.api_requests == arrived  # nothing new was sent


class TestMemory:
    """A long listing keeps only about two pages alive."""

    async def test_live_models_bounded(self, emu: NumbersEmulator) -> None:
        """While iterating, live ActiveNumber objects stay under three pages' worth."""
        peak = 0
        async with emu.client() as client:
            async for index, _number in _aenumerate(client.active_numbers.list(page_size=50)):
                if index % 100 == 0:
                    gc.collect()
                    live = sum(isinstance(o, ActiveNumber) for o in gc.get_objects())
                    peak = max(peak, live)
        assert index == 1233
        # The page being read plus the one prefetched: never the whole listing.
        assert 50 <= peak <= 100

    async def test_previous_page_released_before_next_is_built(self, emu: NumbersEmulator) -> None:
        """A page's models are all gone before the next page's models are built.

        Building into memory the previous page just freed is also what keeps long listings
        fast: that memory is still in the CPU cache.
        """
        live_at_death: list[int] = []

        def first_item_died() -> None:
            live_at_death.append(sum(isinstance(o, ActiveNumber) for o in gc.get_objects()))

        async with emu.client() as client:
            async for index, number in _aenumerate(client.active_numbers.list(page_size=50)):
                if index % 50 == 0:
                    weakref.finalize(number, first_item_died)
            del number
        assert len(live_at_death) == 25
        # When the first item of a page dies, the next page does not exist yet: at most the
        # previous page's last item (still bound to the loop variable) is alive.
        assert max(live_at_death) <= 1, live_at_death

    async def test_parallel_listing_memory_is_bounded(self, emu: NumbersEmulator) -> None:
        """A slow consumer of ``parallel=10`` holds a bounded number of built pages.

        At most the merge queue (10 pages), one page per stream waiting to go in, and the
        page being read: never the listing.
        """
        peak = 0
        async with emu.client() as client:
            pager = client.active_numbers.list(page_size=10, parallel=10)
            async for index, _number in _aenumerate(pager):
                await asyncio.sleep(0)  # a slow consumer: the streams run ahead
                if index % 50 == 0:
                    gc.collect()
                    peak = max(peak, sum(isinstance(o, ActiveNumber) for o in gc.get_objects()))
        assert index == 1233
        assert 10 <= peak <= (10 + 10 + 1) * 10 + 1, peak


async def _aenumerate(items: AsyncIterable[T]) -> AsyncIterator[tuple[int, T]]:
    index = 0
    async for item in items:
        yield index, item
        index += 1
