"""pytest plugin (entry point `sinch_numbers`): the `numbers_emulator` and `numbers_client`
fixtures.

```python
async def test_rent(numbers_client):
    number = await numbers_client.available_numbers.rent_any(region_code="US", number_type="LOCAL")

@pytest.mark.numbers_emulator(active_numbers=100, seed=7)
async def test_listing(numbers_emulator):
    ...
```

The `numbers_emulator` marker passes keyword arguments to `NumbersEmulator`. The fixtures
are async and need pytest-asyncio; without it they skip the test instead of breaking the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sinch_numbers import NumbersClient
    from sinch_numbers.testing import NumbersEmulator

__all__ = ["numbers_client", "numbers_emulator", "pytest_configure"]

_MARKER = "numbers_emulator"


def pytest_configure(config: pytest.Config) -> None:
    """Register the `numbers_emulator` marker (so `--strict-markers` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**options): keyword arguments for the numbers_emulator fixture's "
        "NumbersEmulator (seed, active_numbers, latency, provisioning_delay, ...)",
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(_MARKER))):
        options.update(marker.kwargs)  # closest marker wins
    return options


_HAVE_PYTEST_ASYNCIO: bool
try:
    import pytest_asyncio

    _HAVE_PYTEST_ASYNCIO = True
except ImportError:  # pragma: no cover - exercised in a subprocess test
    _HAVE_PYTEST_ASYNCIO = False

if _HAVE_PYTEST_ASYNCIO:

    @pytest_asyncio.fixture
    async def numbers_emulator(request: pytest.FixtureRequest) -> AsyncIterator[NumbersEmulator]:
        """A running `NumbersEmulator` on 127.0.0.1 (options from the marker)."""
        from sinch_numbers.testing import NumbersEmulator

        async with NumbersEmulator(**_options(request)) as emulator:
            yield emulator

    @pytest_asyncio.fixture
    async def numbers_client(numbers_emulator: NumbersEmulator) -> AsyncIterator[NumbersClient]:
        """An open `NumbersClient` talking to `numbers_emulator`; closed after the test."""
        async with numbers_emulator.client() as client:
            yield client

else:

    @pytest.fixture
    def numbers_emulator() -> NumbersEmulator:
        """Placeholder: skips, because the async fixture needs pytest-asyncio."""
        pytest.skip("the numbers_emulator fixture needs pytest-asyncio")

    @pytest.fixture
    def numbers_client() -> NumbersClient:
        """Placeholder: skips, because the async fixture needs pytest-asyncio."""
        pytest.skip("the numbers_client fixture needs pytest-asyncio")
