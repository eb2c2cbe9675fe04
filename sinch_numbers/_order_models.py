"""attrs models of the Number Order (KYC) flow: requirements, orders, registrations.

Response models are built by the shared cattrs converter like every other model. The two option
classes are request-side only: :class:`NumberOrdersService.create` checks them and writes the
wire body itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs

from ._enums import Capability, NumberOrderState, NumberType, SearchPattern, UploadStatus
from ._models import Money, SmsConfiguration, VoiceConfiguration

__all__ = [
    "Attachment",
    "AttachmentTemplate",
    "NumberOrder",
    "NumberOrderOption",
    "NumberPrice",
    "NumberRequirements",
    "OrderNumber",
    "QuantityOrderOption",
    "Registration",
    "RegistrationLog",
    "RequiredAttachment",
]


@attrs.define(slots=True, kw_only=True)
class AttachmentTemplate:
    """A template file for a required attachment."""

    name: str | None = None
    url: str | None = None


@attrs.define(slots=True, kw_only=True)
class RequiredAttachment:
    """A document the region asks for; upload it under :attr:`id`."""

    id: str
    title: str | None = None
    description: str | None = None
    mandatory: bool | None = None
    template: list[AttachmentTemplate] = attrs.Factory(list)
    #: Empty means any MIME type is accepted.
    allowed_mime_types: list[str] = attrs.Factory(list)
    #: When not empty, ``document_type`` of the upload must be one of these.
    allowed_document_types: list[str] = attrs.Factory(list)


@attrs.define(slots=True, kw_only=True)
class NumberRequirements:
    """What a region and number type need before an order can be submitted.

    ``fields`` is the free-form description of the registration details (``request_details``);
    ``attachments`` are the documents to upload.
    """

    fields: dict[str, Any] = attrs.Factory(dict)
    attachments: list[RequiredAttachment] = attrs.Factory(list)

    @property
    def mandatory_attachments(self) -> list[RequiredAttachment]:
        """The attachments that must be uploaded before submitting."""
        return [a for a in self.attachments if a.mandatory]


@attrs.define(slots=True, kw_only=True)
class NumberPrice:
    """What an ordered number costs."""

    setup_price: Money | None = None
    monthly_price: Money | None = None
    payment_interval_months: int | None = None


@attrs.define(slots=True, kw_only=True)
class OrderNumber:
    """A number reserved by an order, with its price."""

    phone_number: str
    number_price: NumberPrice | None = None
    capabilities: list[Capability | str] = attrs.Factory(list)


@attrs.define(slots=True, kw_only=True)
class NumberOrder:
    """An order of numbers that need registration (KYC) before they become active.

    The numbers stay reserved until :attr:`expire_time` unless the order is submitted.
    """

    #: The order's ID (``idNumberOrder`` on the wire); also available as :attr:`id`.
    id_number_order: str = attrs.field(metadata={"wire_name": "idNumberOrder"})
    project_id: str | None = None
    region_code: str | None = None
    state: NumberOrderState | str | None = None
    number_type: NumberType | str | None = None
    order_numbers: list[OrderNumber] = attrs.Factory(list)
    sms_configuration: SmsConfiguration | None = None
    voice_configuration: VoiceConfiguration | None = None
    expire_time: datetime | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None

    @property
    def id(self) -> str:
        """The order's ID (same as :attr:`id_number_order`)."""
        return self.id_number_order

    @property
    def phone_numbers(self) -> list[str]:
        """The reserved numbers, in order."""
        return [n.phone_number for n in self.order_numbers]


@attrs.define(slots=True, kw_only=True)
class Attachment:
    """A document uploaded to an order's registration."""

    attachment_id: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    document_type: str | None = None
    upload_status: UploadStatus | str | None = None
    create_time: datetime | None = None
    update_time: datetime | None = None


@attrs.define(slots=True, kw_only=True)
class RegistrationLog:
    """A timestamped message from Sinch's review team about a registration."""

    message: str | None = None
    create_time: datetime | None = None


@attrs.define(slots=True, kw_only=True)
class Registration:
    """The KYC details of an order: free-form ``request_details``, uploads and review logs."""

    request_details: dict[str, Any] = attrs.Factory(dict)
    attachments: list[Attachment] = attrs.Factory(list)
    logs: list[RegistrationLog] = attrs.Factory(list)


@attrs.define(slots=True)
class NumberOrderOption:
    """Order specific numbers (the API takes exactly one number per order)."""

    phone_numbers: Sequence[str]


@attrs.define(slots=True)
class QuantityOrderOption:
    """Order 1 to 100 numbers matching some criteria.

    ```python
    QuantityOrderOption(3, number_pattern="+6141", search_pattern=SearchPattern.START,
                        capabilities=[Capability.SMS], sequential=True)
    ```
    """

    requested_quantity: int
    number_pattern: str | None = attrs.field(default=None, kw_only=True)
    search_pattern: SearchPattern | str | None = attrs.field(default=None, kw_only=True)
    #: Ask for consecutive numbers.
    sequential: bool | None = attrs.field(default=None, kw_only=True)
    capabilities: Capability | str | Iterable[Capability | str] | None = attrs.field(
        default=None, kw_only=True
    )
