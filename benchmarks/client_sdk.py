"""This SDK (sinch_numbers), through its public API only.

The package is imported dynamically and handled as Any, so a missing or broken install turns
into an "error" result (and an unknown keyword such as parallel= into "unsupported") instead of
an import or type-check failure of the harness, e.g. when benchmarking an older checkout.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import Any

import benchlib

try:
    sdk: Any = importlib.import_module("sinch_numbers")
    _IMPORT_ERROR: str | None = None
except Exception as exc:  # a missing or broken install is reported, not raised
    sdk = None
    _IMPORT_ERROR = f"import sinch_numbers failed: {type(exc).__name__}: {exc}"


def _client(config: benchlib.ClientConfig) -> Any:
    if sdk is None:
        raise RuntimeError(_IMPORT_ERROR)
    return sdk.NumbersClient(
        config.project_id,
        config.key_id,
        config.key_secret,
        base_url=config.base_url,
        auth_url=config.auth_url,
    )


async def list_numbers(config: benchlib.ClientConfig) -> tuple[int, int]:
    items = checksum = 0
    async with _client(config) as client:
        if config.parallel is None:
            pager = client.active_numbers.list(page_size=config.page_size)
        else:
            try:
                pager = client.active_numbers.list(
                    page_size=config.page_size, parallel=config.parallel
                )
            except TypeError as exc:
                raise benchlib.Unsupported(f"active_numbers.list(parallel=...): {exc}") from exc
        async for number in pager:
            checksum += benchlib.touch(number.phone_number, number.money.amount)
            items += 1
    return items, checksum


async def get_numbers(config: benchlib.ClientConfig) -> tuple[int, int]:
    limit = asyncio.Semaphore(config.concurrency)
    async with _client(config) as client:

        async def one(phone: str) -> int:
            async with limit:
                number = await client.active_numbers.get(phone)
            return benchlib.touch(number.phone_number, number.money.amount)

        sums = await asyncio.gather(*(one(phone) for phone in config.phones()))
    return len(sums), sum(sums)


def main() -> int:
    config = benchlib.parse_client_args("sdk")
    work = list_numbers if config.mode == "list" else get_numbers
    return benchlib.emit(benchlib.measure(config, lambda: asyncio.run(work(config))))


if __name__ == "__main__":
    sys.exit(main())
