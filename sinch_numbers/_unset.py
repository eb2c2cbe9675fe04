"""The ``UNSET`` sentinel: "leave this field alone" in partial updates (PATCH)."""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeAlias

__all__ = ["UNSET", "Unset"]


class _UnsetType(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


#: Default of optional PATCH arguments: the field is not sent at all (``None`` sends null).
UNSET: Final = _UnsetType.UNSET
Unset: TypeAlias = Literal[_UnsetType.UNSET]
