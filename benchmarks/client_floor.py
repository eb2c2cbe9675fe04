"""The floor: plain aiohttp + orjson producing dicts, no SDK. What the other clients are
compared against, so it does the same wire work (OAuth token, every page, every item) and
nothing more."""

from __future__ import annotations

import asyncio
import base64
import sys

import aiohttp
import benchlib
import orjson


async def _token(session: aiohttp.ClientSession, config: benchlib.ClientConfig) -> str:
    # Built by hand: aiohttp 3.14 deprecates BasicAuth, older releases lack its replacement.
    credentials = base64.b64encode(f"{config.key_id}:{config.key_secret}".encode()).decode()
    async with session.post(
        config.auth_url,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {credentials}"},
    ) as response:
        response.raise_for_status()
        token: str = orjson.loads(await response.read())["access_token"]
        return token


async def list_numbers(config: benchlib.ClientConfig) -> tuple[int, int]:
    """Sequential pages, no prefetch: each page is requested after the previous one is used."""
    items = checksum = 0
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {await _token(session, config)}"}
        url = f"{config.base_url}/v1/projects/{config.project_id}/activeNumbers"
        params = {"pageSize": str(config.page_size)}
        while True:
            async with session.get(url, params=params, headers=headers) as response:
                response.raise_for_status()
                page = orjson.loads(await response.read())
            numbers = page.get("activeNumbers") or ()
            for number in numbers:
                checksum += benchlib.touch(number["phoneNumber"], number["money"]["amount"])
            items += len(numbers)
            token = page.get("nextPageToken")
            if not token or not numbers:
                return items, checksum
            params = {"pageSize": str(config.page_size), "pageToken": token}
            # Let this page go before the next one is read and decoded: the decoder then
            # reuses memory still in the CPU cache (about a third faster on S1).
            del page, numbers


async def get_numbers(config: benchlib.ClientConfig) -> tuple[int, int]:
    """config.gets single-number reads with config.concurrency in flight."""
    limit = asyncio.Semaphore(config.concurrency)
    connector = aiohttp.TCPConnector(limit=config.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        headers = {"Authorization": f"Bearer {await _token(session, config)}"}
        base = f"{config.base_url}/v1/projects/{config.project_id}/activeNumbers/"

        async def one(phone: str) -> int:
            # "+" percent-encoded in the path, as the API docs ask.
            async with limit, session.get(base + "%2B" + phone[1:], headers=headers) as response:
                response.raise_for_status()
                number = orjson.loads(await response.read())
            return benchlib.touch(number["phoneNumber"], number["money"]["amount"])

        sums = await asyncio.gather(*(one(phone) for phone in config.phones()))
    return len(sums), sum(sums)


def main() -> int:
    config = benchlib.parse_client_args("floor")
    work = list_numbers if config.mode == "list" else get_numbers
    return benchlib.emit(benchlib.measure(config, lambda: asyncio.run(work(config))))


if __name__ == "__main__":
    sys.exit(main())
