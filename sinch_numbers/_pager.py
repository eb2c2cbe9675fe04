"""``AsyncPager``: async iteration over token-paginated listings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Generic, Protocol, TypeVar

from ._jsonlib import gc_paused
from ._models import Page
from .errors import PaginationError

__all__ = ["AsyncPager", "BuildItems", "FetchPage", "RawPage"]

T = TypeVar("T")


class RawPage(Protocol):
    """A page as received: decoded only when needed."""

    def peek_next_token(self) -> str | None:
        """A cheap guess at the next-page token, from the raw body (may be wrong)."""

    def parse(self) -> Page[Any]:
        """The decoded page (its items still raw JSON for ``build``)."""


#: Fetches one page: ``(page_token or None, page size to ask for or None) -> page``.
#: The page's items may be raw JSON that ``build`` turns into models.
FetchPage = Callable[[str | None, int | None], Awaitable["RawPage | Page[Any]"]]
#: Turns a page's raw items into models.
BuildItems = Callable[[list[Any]], list[T]]


class AsyncPager(Generic[T]):
    """Items of a listing, fetched page by page as you iterate.

    * ``async for item in pager`` yields items across pages, following ``nextPageToken`` with
      the same filters until the token is empty or absent, or a page comes back empty.
    * ``size`` caps the items yielded in total; ``page_size`` is what one request asks for. No
      request asks for more than is still wanted, and none is sent once ``size`` items came.
    * With ``prefetch`` (the default), the next page is requested as soon as the current one
      has arrived, before its models are built, so building and your own work on a page overlap
      the next request; leaving the loop early cancels that request.
    * Each ``async for`` starts again from the first page (or from ``page_token``).
    * A next-page token seen before raises :class:`~sinch_numbers.errors.PaginationError`.
    """

    __slots__ = (
        "_build",
        "_fetch",
        "_page_size",
        "_page_token",
        "_paginated",
        "_prefetch",
        "_size",
    )

    def __init__(
        self,
        fetch: FetchPage,
        *,
        build: BuildItems[T] | None = None,
        size: int | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        paginated: bool = True,
        prefetch: bool = True,
    ) -> None:
        self._fetch = fetch
        self._build = build
        self._size = size
        self._page_size = page_size
        self._page_token = page_token
        self._paginated = paginated
        self._prefetch = prefetch

    def __repr__(self) -> str:
        return f"<AsyncPager size={self._size} page_size={self._page_size}>"

    @property
    def size(self) -> int | None:
        """The most items this pager yields (``None``: all of them)."""
        return self._size

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        # aclosing: leaving the loop closes the page generator at once, which cancels a
        # prefetch in flight, instead of waiting for garbage collection to do it.
        async with contextlib.aclosing(self.pages()) as pages:
            async for page in pages:
                items = page.items
                del page
                for item in items:
                    yield item
                # Let this page go before the next one is built: its memory is then reused
                # while still in the CPU cache, which makes building the next page much cheaper.
                del items

    async def collect(self) -> list[T]:
        """All items (up to ``size``) as a list."""
        result: list[T] = []
        async with contextlib.aclosing(self.pages()) as pages:
            async for page in pages:
                result.extend(page.items)
        return result

    def __await__(self) -> Generator[Any, None, list[T]]:
        """``await pager`` is ``await pager.collect()``."""
        return self.collect().__await__()

    def _ask(self, remaining: int | None) -> int | None:
        if remaining is None:
            return self._page_size
        if self._page_size is None:
            return remaining
        return min(self._page_size, remaining)

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """The pages themselves (``items`` trimmed so the total respects ``size``)."""
        remaining = self._size
        token = self._page_token
        seen: set[str] = set()
        if token:
            seen.add(token)
        pending: asyncio.Task[Any] | None = None
        guess: str | None = None
        try:
            raw: RawPage | Page[Any] | None = await self._fetch(token, self._ask(remaining))
            while True:
                assert raw is not None
                # With no size cap the next request cannot change, so it goes out on a cheap
                # look at the raw body, before this page is decoded and built; the guess is
                # checked against the decoded page below.
                if self._prefetch and self._paginated and remaining is None:
                    guess = _peek(raw)
                    if guess and guess not in seen:
                        pending = asyncio.ensure_future(self._fetch(guess, self._ask(None)))
                        await asyncio.sleep(0)  # let it reach the wire first
                stale: asyncio.Task[Any] | None = None
                # Decoding and building only make new objects; one collection after the page
                # beats dozens during it (and the raw JSON is gone by then).
                with gc_paused():
                    page = raw if isinstance(raw, Page) else raw.parse()
                    raw = None
                    if remaining is not None and len(page.items) > remaining:
                        page = Page(page.items[:remaining], page.next_page_token, page.total_size)
                    if remaining is not None:
                        remaining -= len(page.items)
                    next_token = page.next_page_token if self._paginated else None
                    more = bool(next_token) and bool(page.items) and remaining != 0
                    if pending is not None and (not more or next_token != guess):
                        stale, pending = pending, None
                    if page.items and self._build is not None:
                        page = Page(self._build(page.items), page.next_page_token, page.total_size)
                if stale is not None:
                    await _discard(stale)
                if more:
                    assert next_token is not None
                    if next_token in seen:
                        raise PaginationError(
                            f"the server repeated page token {next_token[:40]!r}; "
                            "stopping instead of looping"
                        )
                    seen.add(next_token)
                    if self._prefetch and pending is None:
                        pending = asyncio.ensure_future(
                            self._fetch(next_token, self._ask(remaining))
                        )
                        # Let the new task put its request on the wire before the caller's
                        # loop holds the thread.
                        await asyncio.sleep(0)
                if page.items:
                    yield page
                del page  # see _items: nothing of this page stays alive meanwhile
                if not more:
                    return
                if pending is not None:
                    raw = await pending
                    pending = None
                else:
                    raw = await self._fetch(next_token, self._ask(remaining))
        finally:
            if pending is not None:
                await _discard(pending)


def _peek(raw: RawPage | Page[Any]) -> str | None:
    return None if isinstance(raw, Page) else raw.peek_next_token()


async def _discard(task: asyncio.Task[Any]) -> None:
    """Cancel a fetch nobody needs any more and wait for it to end."""
    task.cancel()
    # wait() never raises the task's own error; our own cancellation still does.
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved: nobody needed the page
