"""The `sinch_numbers` pytest plugin, run in a separate pytest process."""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent

_USES_FIXTURES = """
import pytest
from sinch_numbers.testing import NumbersEmulator


async def test_emulator_fixture(numbers_emulator):
    assert isinstance(numbers_emulator, NumbersEmulator)
    assert numbers_emulator.base_url.startswith("http://127.0.0.1:")


@pytest.mark.numbers_emulator(active_numbers=3, seed=5)
async def test_marker_options(numbers_emulator):
    assert len(numbers_emulator.active_phone_numbers()) == 3
    assert numbers_emulator.seed == 5


async def test_client_fixture(numbers_client, numbers_emulator):
    numbers_emulator.add_active_numbers(2)
    numbers = await numbers_client.active_numbers.list().collect()
    assert len(numbers) == 2
"""


def _plugin_args() -> list[str]:
    """Load the plugin explicitly unless the installed entry point already does."""
    installed = importlib.metadata.entry_points(group="pytest11", name="sinch_numbers")
    return [] if installed else ["-p", "sinch_numbers.testing.pytest_plugin"]


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    path = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(ROOT), path) if p))
    return pytester


class TestPytestPlugin:
    """numbers_emulator / numbers_client fixtures and the numbers_emulator marker."""

    def test_fixtures_and_marker(self, inner: pytest.Pytester) -> None:
        """An async test gets a running emulator, marker options and an open client."""
        try:
            import sinch_numbers  # noqa: F401
            from sinch_numbers import NumbersClient  # noqa: F401
        except ImportError:  # pragma: no cover - the SDK core is written concurrently
            pytest.skip("NumbersClient is not importable yet")
        inner.makeini(
            "[pytest]\n"
            "asyncio_mode = auto\n"
            "asyncio_default_fixture_loop_scope = function\n"
            "filterwarnings =\n    error::ResourceWarning\n"
        )
        inner.makepyfile(test_inner=_USES_FIXTURES)
        result = inner.runpytest_subprocess(*_plugin_args(), "--strict-markers", "-q")
        result.assert_outcomes(passed=3)

    def test_without_pytest_asyncio(self, inner: pytest.Pytester) -> None:
        """Without pytest-asyncio the plugin loads and its fixtures skip instead of erroring."""
        inner.makepyfile(
            block_asyncio="import sys\nsys.modules['pytest_asyncio'] = None\n",
            test_inner="def test_needs_emulator(numbers_emulator):\n    raise AssertionError\n",
        )
        result = inner.runpytest_subprocess(
            "-p", "block_asyncio", "-p", "no:asyncio", *_plugin_args(), "--strict-markers", "-rs"
        )
        result.assert_outcomes(skipped=1)
        result.stdout.fnmatch_lines(["*needs pytest-asyncio*"])
