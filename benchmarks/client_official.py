"""Sinch's official Python SDK (`sinch` on PyPI; synchronous, requests + pydantic), pointed at the
benchmark server through its configuration's numbers_origin / auth_origin."""

from __future__ import annotations

import importlib
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import benchlib
from sinch import SinchClient

_TOKEN_PATH = "/oauth2/token"  # the SDK appends this to auth_origin itself


def _client(config: benchlib.ClientConfig) -> Any:
    client = SinchClient(
        key_id=config.key_id, key_secret=config.key_secret, project_id=config.project_id
    )
    client.configuration.numbers_origin = config.base_url
    auth_url = config.auth_url
    client.configuration.auth_origin = (
        auth_url[: -len(_TOKEN_PATH)] if auth_url.endswith(_TOKEN_PATH) else auth_url
    )
    return client


def list_numbers(config: benchlib.ClientConfig) -> tuple[int, int]:
    client = _client(config)
    items = checksum = 0
    # iterator() walks the pages lazily, one request per page, following nextPageToken.
    for number in client.numbers.list(page_size=config.page_size).iterator():
        checksum += benchlib.touch(number.phone_number, number.money.amount)
        items += 1
    return items, checksum


def get_numbers(config: benchlib.ClientConfig) -> tuple[int, int]:
    """The SDK is synchronous, so "N in flight" means N threads sharing one client: its token
    manager is lock-guarded and requests' Session is shared across threads."""
    # Looked up at run time: requests ships no type hints and this module must pass mypy --strict.
    http_adapter: Any = importlib.import_module("requests.adapters").HTTPAdapter
    client = _client(config)
    # requests keeps 10 connections per host by default; with 100 threads it would open and
    # throw away a connection on most calls (and log a warning each time).
    adapter = http_adapter(pool_connections=1, pool_maxsize=config.concurrency)
    client.configuration.transport.http_session.mount("http://", adapter)

    def one(phone: str) -> int:
        number = client.numbers.get(phone_number=phone)
        return benchlib.touch(number.phone_number, number.money.amount)

    with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
        sums = list(pool.map(one, config.phones()))
    return len(sums), sum(sums)


def main() -> int:
    config = benchlib.parse_client_args("official")
    work = list_numbers if config.mode == "list" else get_numbers
    notes = []
    if config.mode == "get":
        notes.append(f"sync SDK: {config.concurrency} threads, one shared SinchClient")
    return benchlib.emit(benchlib.measure(config, lambda: work(config), notes))


if __name__ == "__main__":
    sys.exit(main())
