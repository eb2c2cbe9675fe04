"""JSON encoding and decoding: orjson when installed (the ``orjson`` extra), else the stdlib."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["dumps", "loads"]

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
