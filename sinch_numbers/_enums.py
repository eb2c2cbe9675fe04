"""Enumerations of the Numbers API, as real :class:`enum.Enum` classes.

Every enum here is *open* on the response side: a value the SDK does not know yet is kept as its
plain string (see ``_converter``), because Sinch adds values without a new API version.
"""

from __future__ import annotations

import enum

__all__ = [
    "AddressValidationResult",
    "Capability",
    "CallbackEventType",
    "CallbackFailureCode",
    "CallbackStatus",
    "NumberOrderState",
    "NumberType",
    "OrderBy",
    "ProvisioningStatus",
    "ResourceType",
    "SearchPattern",
    "SmsErrorCode",
    "UploadStatus",
    "VoiceApplicationType",
]


class _WireEnum(enum.StrEnum):
    """An enum whose value is its wire string; ``str()`` gives the wire string too."""

    def __str__(self) -> str:
        return str(self.value)


class NumberType(_WireEnum):
    """The kind of phone number."""

    MOBILE = "MOBILE"
    LOCAL = "LOCAL"
    TOLL_FREE = "TOLL_FREE"


class Capability(_WireEnum):
    """What a number can do (``NumberCapability`` in the spec)."""

    SMS = "SMS"
    VOICE = "VOICE"


class SearchPattern(_WireEnum):
    """Where ``number_pattern`` must match in the number."""

    START = "START"
    CONTAINS = "CONTAINS"
    END = "END"


class OrderBy(_WireEnum):
    """Sort order of an active-number listing."""

    PHONE_NUMBER = "phoneNumber"
    DISPLAY_NAME = "displayName"


class VoiceApplicationType(_WireEnum):
    """Voice configuration kind: Voice API app, Elastic SIP Trunk or Fax service."""

    RTC = "RTC"
    EST = "EST"
    FAX = "FAX"


class ProvisioningStatus(_WireEnum):
    """State of a scheduled SMS or voice provisioning job."""

    PROVISIONING_STATUS_UNSPECIFIED = "PROVISIONING_STATUS_UNSPECIFIED"
    WAITING = "WAITING"
    IN_PROGRESS = "IN_PROGRESS"
    FAILED = "FAILED"


class SmsErrorCode(_WireEnum):
    """Why a scheduled SMS provisioning failed."""

    ERROR_CODE_UNSPECIFIED = "ERROR_CODE_UNSPECIFIED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    SMS_PROVISIONING_FAILED = "SMS_PROVISIONING_FAILED"
    CAMPAIGN_PROVISIONING_FAILED = "CAMPAIGN_PROVISIONING_FAILED"
    CAMPAIGN_NOT_AVAILABLE = "CAMPAIGN_NOT_AVAILABLE"
    EXCEEDED_10DLC_LIMIT = "EXCEEDED_10DLC_LIMIT"
    NUMBER_PROVISIONING_FAILED = "NUMBER_PROVISIONING_FAILED"
    PARTNER_SERVICE_UNAVAILABLE = "PARTNER_SERVICE_UNAVAILABLE"
    CAMPAIGN_PENDING_ACCEPTANCE = "CAMPAIGN_PENDING_ACCEPTANCE"
    MNO_SHARING_ERROR = "MNO_SHARING_ERROR"
    CAMPAIGN_EXPIRED = "CAMPAIGN_EXPIRED"
    CAMPAIGN_MNO_REJECTED = "CAMPAIGN_MNO_REJECTED"
    CAMPAIGN_MNO_SUSPENDED = "CAMPAIGN_MNO_SUSPENDED"
    CAMPAIGN_MNO_REVIEW = "CAMPAIGN_MNO_REVIEW"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    MOCK_CAMPAIGN_NOT_ALLOWED = "MOCK_CAMPAIGN_NOT_ALLOWED"
    TFN_NOT_ALLOWED = "TFN_NOT_ALLOWED"
    INVALID_NNID = "INVALID_NNID"


class AddressValidationResult(_WireEnum):
    """Outcome of an emergency-address validation (``AddressValidationResultCode``)."""

    ADDRESS_VALIDATION_RESULT_CODE_UNSPECIFIED = "ADDRESS_VALIDATION_RESULT_CODE_UNSPECIFIED"
    EXACT_MATCH = "EXACT_MATCH"
    NEAR_MATCH = "NEAR_MATCH"
    NO_MATCH = "NO_MATCH"


class NumberOrderState(_WireEnum):
    """Lifecycle state of a number order."""

    NUMBER_ORDER_STATE_UNSPECIFIED = "NUMBER_ORDER_STATE_UNSPECIFIED"
    CREATED = "CREATED"
    EXPIRED = "EXPIRED"
    IN_REVIEW = "IN_REVIEW"
    BLOCKED = "BLOCKED"
    REJECTED = "REJECTED"
    COMPLETED = "COMPLETED"


class UploadStatus(_WireEnum):
    """State of an uploaded number-order attachment."""

    COMPLETED = "COMPLETED"
    WAITING = "WAITING"
    FAILED = "FAILED"


class ResourceType(_WireEnum):
    """What a callback event is about."""

    ACTIVE_NUMBER = "ACTIVE_NUMBER"
    NUMBER_ORDER = "NUMBER_ORDER"


class CallbackEventType(_WireEnum):
    """What happened, in a callback event."""

    PROVISIONING_TO_SMS_PLATFORM = "PROVISIONING_TO_SMS_PLATFORM"
    DEPROVISIONING_FROM_SMS_PLATFORM = "DEPROVISIONING_FROM_SMS_PLATFORM"
    PROVISIONING_TO_CAMPAIGN = "PROVISIONING_TO_CAMPAIGN"
    DEPROVISIONING_FROM_CAMPAIGN = "DEPROVISIONING_FROM_CAMPAIGN"
    PROVISIONING_TO_VOICE_PLATFORM = "PROVISIONING_TO_VOICE_PLATFORM"
    DEPROVISIONING_FROM_VOICE_PLATFORM = "DEPROVISIONING_FROM_VOICE_PLATFORM"
    NUMBER_ORDER_PROCESSING = "NUMBER_ORDER_PROCESSING"


class CallbackStatus(_WireEnum):
    """Result carried by a callback event (active-number and number-order values)."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    IN_REVIEW = "IN_REVIEW"
    BLOCKED = "BLOCKED"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"


class CallbackFailureCode(_WireEnum):
    """Why an active-number provisioning event failed (an open set in practice)."""

    CAMPAIGN_NOT_AVAILABLE = "CAMPAIGN_NOT_AVAILABLE"
    EXCEEDED_10DLC_LIMIT = "EXCEEDED_10DLC_LIMIT"
    NUMBER_PROVISIONING_FAILED = "NUMBER_PROVISIONING_FAILED"
    PARTNER_SERVICE_UNAVAILABLE = "PARTNER_SERVICE_UNAVAILABLE"
    CAMPAIGN_PENDING_ACCEPTANCE = "CAMPAIGN_PENDING_ACCEPTANCE"
    MNO_SHARING_ERROR = "MNO_SHARING_ERROR"
    CAMPAIGN_PROVISIONING_FAILED = "CAMPAIGN_PROVISIONING_FAILED"
    CAMPAIGN_EXPIRED = "CAMPAIGN_EXPIRED"
    CAMPAIGN_MNO_REJECTED = "CAMPAIGN_MNO_REJECTED"
    CAMPAIGN_MNO_SUSPENDED = "CAMPAIGN_MNO_SUSPENDED"
    CAMPAIGN_MNO_REVIEW = "CAMPAIGN_MNO_REVIEW"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    MOCK_CAMPAIGN_NOT_ALLOWED = "MOCK_CAMPAIGN_NOT_ALLOWED"
    TFN_NOT_ALLOWED = "TFN_NOT_ALLOWED"
    INVALID_NNID = "INVALID_NNID"
