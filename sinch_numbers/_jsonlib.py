"""JSON encoding and decoding: orjson when installed (the ``orjson`` extra), else the stdlib.

Also :func:`gc_paused`, used while decoding a page and building its models.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["dumps", "gc_paused", "loads"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a short synchronous burst of allocations.

    Decoding a page and building its models only creates new, referenced objects, so a
    collection in the middle finds nothing to free; yet with thousands of allocations per page
    the collector would run dozens of times, each pass scanning the page built so far. One pass
    after the burst does the same work. Nothing else runs on this thread meanwhile (the code
    inside is synchronous), and a collector the application disabled stays disabled.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


loads: Callable[[bytes | str], Any]
dumps: Callable[[Any], bytes]

try:
    import orjson
except ImportError:  # pragma: no cover - exercised when the extra is not installed
    loads = json.loads

    def dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
else:
    loads = orjson.loads
    dumps = orjson.dumps
