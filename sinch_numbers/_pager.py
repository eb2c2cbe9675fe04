"""``AsyncPager``: async iteration over token-paginated listings."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar

from ._models import Page
from .errors import PaginationError

__all__ = ["AsyncPager", "FetchPage"]

T = TypeVar("T")

#: Fetches one page: ``(page_token or None, page size to ask for or None) -> Page``.
#: The page's items may be raw JSON that ``build`` turns into models.
FetchPage = Callable[[str | None, int | None], Awaitable[Page[Any]]]
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
                for item in page.items:
                    yield item

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
        pending: asyncio.Task[Page[Any]] | None = None
        try:
            page = await self._fetch(token, self._ask(remaining))
            while True:
                if remaining is not None and len(page.items) > remaining:
                    page = Page(page.items[:remaining], page.next_page_token, page.total_size)
                if remaining is not None:
                    remaining -= len(page.items)
                next_token = page.next_page_token if self._paginated else None
                more = bool(next_token) and bool(page.items) and remaining != 0
                if more:
                    assert next_token is not None
                    if next_token in seen:
                        raise PaginationError(
                            f"the server repeated page token {next_token[:40]!r}; "
                            "stopping instead of looping"
                        )
                    seen.add(next_token)
                    if self._prefetch:
                        pending = asyncio.ensure_future(
                            self._fetch(next_token, self._ask(remaining))
                        )
                        # Let the new task put its request on the wire before the CPU-bound
                        # work below (building models, the caller's loop) holds the thread.
                        await asyncio.sleep(0)
                if page.items:
                    if self._build is not None:
                        page = Page(self._build(page.items), page.next_page_token, page.total_size)
                    yield page
                if not more:
                    return
                if pending is not None:
                    page = await pending
                    pending = None
                else:
                    page = await self._fetch(next_token, self._ask(remaining))
        finally:
            if pending is not None:
                pending.cancel()
                # wait() never raises the task's own error; our own cancellation still does.
                await asyncio.wait([pending])
                if not pending.cancelled():
                    pending.exception()  # retrieved: the caller left before needing it
