"""Number Orders: the KYC ordering flow (``client.number_orders``)."""

from __future__ import annotations

from ._services import _Service

__all__ = ["NumberOrdersService"]


class NumberOrdersService(_Service):
    """Order numbers that need registration documents (``client.number_orders``)."""

    __slots__ = ()
