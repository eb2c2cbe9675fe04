"""Parallel listing: one active-number query split into ten disjoint streams, merged back.

Every E.164 number ends in exactly one digit, so the ten queries "pattern ``d`` with
searchPattern END" for d = 0..9 partition any listing that has no pattern of its own. The
streams are fetched concurrently (at most ``parallel`` requests in flight) and merged: in
arrival order by default, or as a k-way merge in ``order_by`` order when one is asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, TypeVar

from ._models import Page
from ._pager import AsyncPager, BuildItems, FetchPage, RawPage

__all__ = ["ParallelPager"]

T = TypeVar("T")

#: The ten last digits, one stream each.
DIGITS = "0123456789"


class ParallelPager(AsyncPager[T]):
    """An :class:`AsyncPager` over ten concurrent streams (see ``active_numbers.list``).

    ``pages()`` yields the streams' pages as they arrive when unordered; when ordered it yields
    merged pages of ``page_size`` items (no page tokens: the streams have one each).
    """

    __slots__ = ("_key", "_parallel", "_stream_fetch")

    def __init__(
        self,
        stream_fetch: Callable[[str], FetchPage],
        *,
        build: BuildItems[T],
        parallel: int,
        key: Callable[[T], Any] | None,
        size: int | None,
        page_size: int | None,
        prefetch: bool,
    ) -> None:
        super().__init__(
            _unused_fetch, build=build, size=size, page_size=page_size, prefetch=prefetch
        )
        self._stream_fetch = stream_fetch
        self._parallel = parallel
        self._key = key

    def __repr__(self) -> str:
        return f"<ParallelPager parallel={self._parallel} size={self._size}>"

    def _streams(self) -> list[AsyncPager[T]]:
        gate = asyncio.Semaphore(self._parallel)

        def gated(fetch: FetchPage) -> FetchPage:
            async def run(token: str | None, ask: int | None) -> RawPage | Page[Any]:
                async with gate:
                    return await fetch(token, ask)

            return run

        return [
            AsyncPager(
                gated(self._stream_fetch(digit)),
                build=self._build,
                size=self._size,
                page_size=self._page_size,
                prefetch=self._prefetch,
            )
            for digit in DIGITS
        ]

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        source = self._merged() if self._key is not None else self._arrivals()
        async with contextlib.aclosing(source) as pages:
            remaining = self._size
            async for page in pages:
                if remaining is not None:
                    page = Page(page.items[:remaining], None, page.total_size)
                    remaining -= len(page.items)
                if page.items:
                    yield page
                del page  # let it go before the next page is built
                if remaining == 0:
                    return

    async def _arrivals(self) -> AsyncGenerator[Page[T], None]:
        """Pages from all streams in the order they arrive."""
        # Bounded, so the streams wait for a slow consumer instead of buffering the listing.
        queue: asyncio.Queue[Page[T] | BaseException | None] = asyncio.Queue(self._parallel)

        async def pump(stream: AsyncPager[T]) -> None:
            try:
                async with contextlib.aclosing(stream.pages()) as pages:
                    async for page in pages:
                        await queue.put(Page(page.items, None, page.total_size))
                        del page  # the consumer may be done with it before the next one
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # handed to the consumer, which re-raises it
                await queue.put(exc)
            else:
                await queue.put(None)

        tasks = [asyncio.ensure_future(pump(stream)) for stream in self._streams()]
        try:
            running = len(tasks)
            while running:
                item = await queue.get()
                if item is None:
                    running -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)

    async def _merged(self) -> AsyncGenerator[Page[T], None]:
        """Items of all streams merged by ``key`` (each stream is sorted by it)."""
        key = self._key
        assert key is not None
        iterators: list[AsyncIterator[T]] = [stream._items() for stream in self._streams()]
        try:
            # All first pages at once; on a failure the other fetches are cancelled first.
            starts = [asyncio.ensure_future(_next(it)) for it in iterators]
            try:
                firsts = await asyncio.gather(*starts)
            except BaseException:
                for task in starts:
                    task.cancel()
                await asyncio.wait(starts)
                raise
            heap: list[tuple[Any, int, T]] = [
                (key(item), index, item) for index, item in enumerate(firsts) if item is not _DONE
            ]
            heapq.heapify(heap)
            chunk = self._page_size or 100
            batch: list[T] = []
            while heap:
                _, index, item = heap[0]
                batch.append(item)
                following = await _next(iterators[index])
                if following is _DONE:
                    heapq.heappop(heap)
                else:
                    heapq.heapreplace(heap, (key(following), index, following))
                if len(batch) >= chunk:
                    yield Page(batch)
                    batch = []
            if batch:
                yield Page(batch)
        finally:
            for it in iterators:
                await it.aclose()  # type: ignore[attr-defined]


_DONE: Any = object()


async def _next(iterator: AsyncIterator[T]) -> T:
    try:
        return await anext(iterator)
    except StopAsyncIteration:
        return _DONE  # type: ignore[no-any-return]


async def _unused_fetch(token: str | None, ask: int | None) -> Page[Any]:  # pragma: no cover
    raise RuntimeError("a ParallelPager fetches through its streams")
