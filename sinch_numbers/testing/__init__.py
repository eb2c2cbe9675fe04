"""An in-process emulator of the Sinch Numbers API for tests, demos and offline work.

```python
from sinch_numbers.testing import Fault, NumbersEmulator

async with NumbersEmulator(active_numbers=20) as emu:
    emu.inject(Fault.RATE_LIMIT, retry_after=0.01)
    async with emu.client() as client:
        ...
```

A pytest plugin (`sinch_numbers.testing.pytest_plugin`) provides the `numbers_emulator` and
`numbers_client` fixtures.
"""

from ._emulator import (
    DEFAULT_HMAC_SECRET,
    DEFAULT_PORT,
    NumbersEmulator,
    RecordedRequest,
    format_connection_info,
    serve_forever,
)
from ._faults import Fault
from ._numbers import DEFAULT_PAGE_SIZE, DEFAULT_SEARCH_SIZE, MAX_PAGE_SIZE, MAX_SEARCH_SIZE
from ._state import CallbackDelivery, EmulatorStats

#: Alias of `Fault`, for readers who expect the enum to be called a kind.
FaultKind = Fault

__all__ = [
    "DEFAULT_HMAC_SECRET",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_PORT",
    "DEFAULT_SEARCH_SIZE",
    "MAX_PAGE_SIZE",
    "MAX_SEARCH_SIZE",
    "CallbackDelivery",
    "EmulatorStats",
    "Fault",
    "FaultKind",
    "NumbersEmulator",
    "RecordedRequest",
    "format_connection_info",
    "serve_forever",
]
