"""attrs models of the Numbers API resources.

Models are plain slotted attrs classes; the cattrs converter in ``_converter`` is the only place
that knows how they look on the wire. Attribute names are the snake_case of the wire names.
Fields typed ``X | str`` hold an enum member, or the raw string when the value is one the SDK
does not know yet.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

import attrs

from ._enums import (
    AddressValidationResult,
    Capability,
    NumberType,
    ProvisioningStatus,
    SmsErrorCode,
    VoiceApplicationType,
)

__all__ = [
    "ActiveNumber",
    "AddressValidation",
    "AvailableNumber",
    "CallbackConfiguration",
    "EmergencyAddress",
    "Money",
    "Page",
    "Region",
    "ScheduledSmsProvisioning",
    "ScheduledVoiceProvisioning",
    "SmsConfiguration",
    "VoiceConfiguration",
    "VoiceConfigurationEST",
    "VoiceConfigurationFAX",
    "VoiceConfigurationRTC",
    "VoiceConfigurationUnknown",
    "read_only",
]

T = TypeVar("T")

#: Metadata marking a field the API sets and ignores in requests.
READ_ONLY = {"read_only": True}


def read_only(default: Any = None) -> Any:
    """An optional attrs field the server fills in; never sent in a request."""
    return attrs.field(default=default, metadata=READ_ONLY)


@attrs.define(slots=True)
class Money:
    """An amount of money; ``amount`` is exact (the wire sends it as a decimal string)."""

    currency_code: str
    amount: Decimal


@attrs.define(slots=True, kw_only=True)
class ScheduledSmsProvisioning:
    """An SMS provisioning job still running or failed (read-only)."""

    service_plan_id: str | None = None
    campaign_id: str | None = None
    status: ProvisioningStatus | str | None = None
    last_updated_time: datetime | None = None
    error_codes: list[SmsErrorCode | str] = attrs.Factory(list)


@attrs.define(slots=True)
class SmsConfiguration:
    """SMS settings of a number.

    ``service_plan_id=""`` (or ``campaign_id=""``) unlinks the number. After a change, the new
    target shows under :attr:`scheduled_provisioning` until provisioning finishes.
    """

    service_plan_id: str | None = None
    campaign_id: str | None = None
    scheduled_provisioning: ScheduledSmsProvisioning | None = read_only()


@attrs.define(slots=True, kw_only=True)
class ScheduledVoiceProvisioning:
    """A voice provisioning job still running or failed (read-only)."""

    type: VoiceApplicationType | str = VoiceApplicationType.RTC
    status: ProvisioningStatus | str | None = None
    last_updated_time: datetime | None = None
    app_id: str | None = None
    trunk_id: str | None = None
    service_id: str | None = None


@attrs.define(slots=True)
class VoiceConfigurationRTC:
    """Route the number's calls to a Voice API application."""

    app_id: str | None = None
    type: Literal[VoiceApplicationType.RTC] = attrs.field(
        default=VoiceApplicationType.RTC, init=False
    )
    last_updated_time: datetime | None = read_only()
    scheduled_voice_provisioning: ScheduledVoiceProvisioning | None = read_only()


@attrs.define(slots=True)
class VoiceConfigurationEST:
    """Route the number's calls to an Elastic SIP Trunk."""

    trunk_id: str | None = None
    type: Literal[VoiceApplicationType.EST] = attrs.field(
        default=VoiceApplicationType.EST, init=False
    )
    last_updated_time: datetime | None = read_only()
    scheduled_voice_provisioning: ScheduledVoiceProvisioning | None = read_only()


@attrs.define(slots=True)
class VoiceConfigurationFAX:
    """Route the number's calls to a Fax service."""

    service_id: str | None = None
    type: Literal[VoiceApplicationType.FAX] = attrs.field(
        default=VoiceApplicationType.FAX, init=False
    )
    last_updated_time: datetime | None = read_only()
    scheduled_voice_provisioning: ScheduledVoiceProvisioning | None = read_only()


@attrs.define(slots=True, kw_only=True)
class VoiceConfigurationUnknown:
    """A voice configuration of a ``type`` this SDK does not know yet; ``raw`` keeps the JSON."""

    type: str
    raw: dict[str, Any] = attrs.Factory(dict)
    last_updated_time: datetime | None = read_only()


#: Any voice configuration, told apart by its ``type``.
VoiceConfiguration = (
    VoiceConfigurationRTC
    | VoiceConfigurationEST
    | VoiceConfigurationFAX
    | VoiceConfigurationUnknown
)


@attrs.define(slots=True, kw_only=True)
class ActiveNumber:
    """A number rented by the project."""

    phone_number: str
    project_id: str | None = None
    display_name: str | None = None
    region_code: str | None = None
    type: NumberType | str | None = None
    capability: list[Capability | str] = attrs.Factory(list)
    money: Money | None = None
    payment_interval_months: int | None = None
    next_charge_date: datetime | None = None
    expire_at: datetime | None = None
    sms_configuration: SmsConfiguration | None = None
    voice_configuration: VoiceConfiguration | None = None
    callback_url: str | None = None


@attrs.define(slots=True, kw_only=True)
class AvailableNumber:
    """A number that can be rented, with its prices."""

    phone_number: str
    region_code: str | None = None
    type: NumberType | str | None = None
    capability: list[Capability | str] = attrs.Factory(list)
    setup_price: Money | None = None
    monthly_price: Money | None = None
    payment_interval_months: int | None = None
    supporting_documentation_required: bool | None = None


@attrs.define(slots=True, kw_only=True)
class Region:
    """A region where numbers are offered, and the number types available there."""

    region_code: str
    region_name: str | None = None
    types: list[NumberType | str] = attrs.Factory(list)


@attrs.define(slots=True, kw_only=True)
class CallbackConfiguration:
    """The project's callback settings: the HMAC secret that signs callback events."""

    project_id: str | None = None
    hmac_secret: str | None = attrs.field(default=None, repr=False)


@attrs.define(slots=True, kw_only=True)
class EmergencyAddress:
    """A street address registered for emergency calls from a number."""

    street_number: str | None = None
    street_info: str | None = None
    location: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    postal_code_plus_four: str | None = None


@attrs.define(slots=True, kw_only=True)
class AddressValidation:
    """Result of validating an emergency address (``ValidateAddressResponse``)."""

    phone_number: str | None = None
    display_name: str | None = None
    validated_address: EmergencyAddress | None = None
    validation_result: AddressValidationResult | str | None = None
    validation_message: str | None = None
    corrected_address: EmergencyAddress | None = None
    candidate_addresses: list[EmergencyAddress] = attrs.Factory(list)


@attrs.define(slots=True)
class Page(Generic[T]):
    """One page of a listing."""

    items: list[T]
    next_page_token: str | None = None
    total_size: int | None = None
