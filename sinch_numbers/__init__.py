"""Async Python SDK for the Sinch Numbers API.

```python
from sinch_numbers import NumbersClient, NumberType

async with NumbersClient(project_id, key_id, key_secret) as client:
    async for number in client.active_numbers.list(region_code="US", number_type=NumberType.LOCAL):
        print(number.phone_number)
```
"""

from ._client import NumbersClient
from ._enums import (
    AddressValidationResult,
    CallbackEventType,
    CallbackFailureCode,
    CallbackStatus,
    Capability,
    NumberOrderState,
    NumberType,
    OrderBy,
    ProvisioningStatus,
    ResourceType,
    SearchPattern,
    SmsErrorCode,
    UploadStatus,
    VoiceApplicationType,
)
from ._models import (
    ActiveNumber,
    AddressValidation,
    AvailableNumber,
    CallbackConfiguration,
    EmergencyAddress,
    Money,
    Page,
    Region,
    ScheduledSmsProvisioning,
    ScheduledVoiceProvisioning,
    SmsConfiguration,
    VoiceConfiguration,
    VoiceConfigurationEST,
    VoiceConfigurationFAX,
    VoiceConfigurationRTC,
    VoiceConfigurationUnknown,
)
from ._order_models import (
    Attachment,
    AttachmentTemplate,
    NumberOrder,
    NumberOrderOption,
    NumberPrice,
    NumberRequirements,
    OrderNumber,
    QuantityOrderOption,
    Registration,
    RegistrationLog,
    RequiredAttachment,
)
from ._pager import AsyncPager
from ._retry import RetryPolicy
from ._unset import UNSET
from ._version import __version__
from .callbacks import CallbackEvent
from .errors import (
    ApiError,
    AuthenticationError,
    CallbackParseError,
    ClientClosedError,
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    ServerError,
    SinchNumbersError,
    TransportError,
)

__all__ = [
    "UNSET",
    "__version__",
    "ActiveNumber",
    "AddressValidation",
    "AddressValidationResult",
    "ApiError",
    "AsyncPager",
    "Attachment",
    "AttachmentTemplate",
    "AuthenticationError",
    "AvailableNumber",
    "CallbackConfiguration",
    "CallbackEvent",
    "CallbackEventType",
    "CallbackFailureCode",
    "CallbackParseError",
    "CallbackStatus",
    "Capability",
    "ClientClosedError",
    "EmergencyAddress",
    "FieldViolation",
    "InvalidArgumentError",
    "Money",
    "NotFoundError",
    "NumberOrder",
    "NumberOrderOption",
    "NumberOrderState",
    "NumberPrice",
    "NumberRequirements",
    "NumberType",
    "NumbersClient",
    "OrderBy",
    "OrderNumber",
    "Page",
    "PaginationError",
    "PermissionDeniedError",
    "ProvisioningStatus",
    "QuantityOrderOption",
    "RateLimitError",
    "Region",
    "Registration",
    "RegistrationLog",
    "RequiredAttachment",
    "ResourceType",
    "ResponseDecodeError",
    "RetryPolicy",
    "ScheduledSmsProvisioning",
    "ScheduledVoiceProvisioning",
    "SearchPattern",
    "ServerError",
    "SinchNumbersError",
    "SmsConfiguration",
    "SmsErrorCode",
    "TransportError",
    "UploadStatus",
    "VoiceApplicationType",
    "VoiceConfiguration",
    "VoiceConfigurationEST",
    "VoiceConfigurationFAX",
    "VoiceConfigurationRTC",
    "VoiceConfigurationUnknown",
]
