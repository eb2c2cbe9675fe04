"""Property-based checks of the converter: round trips, and hostile JSON fails only cleanly."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sinch_numbers as sn
from sinch_numbers._converter import converter, structure
from tests.scripted_server import active_number_json

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

texts = st.text(max_size=12)
opt_texts = st.none() | texts
instants = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)
amounts = st.decimals(
    allow_nan=False, allow_infinity=False, places=4, max_value=10**9, min_value=-(10**9)
)


def open_enum(enum_cls: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(list(enum_cls)) | texts


money = st.builds(sn.Money, currency_code=texts, amount=amounts)
scheduled_sms = st.builds(
    sn.ScheduledSmsProvisioning,
    service_plan_id=opt_texts,
    campaign_id=opt_texts,
    status=st.none() | open_enum(sn.ProvisioningStatus),
    last_updated_time=st.none() | instants,
    error_codes=st.lists(open_enum(sn.SmsErrorCode), max_size=3),
)
sms = st.builds(
    sn.SmsConfiguration,
    service_plan_id=opt_texts,
    campaign_id=opt_texts,
    scheduled_provisioning=st.none() | scheduled_sms,
)
scheduled_voice = st.builds(
    sn.ScheduledVoiceProvisioning,
    type=open_enum(sn.VoiceApplicationType),
    status=st.none() | open_enum(sn.ProvisioningStatus),
    last_updated_time=st.none() | instants,
    app_id=opt_texts,
    trunk_id=opt_texts,
    service_id=opt_texts,
)


def voice(cls: Any, id_name: str) -> st.SearchStrategy[Any]:
    def build(ident: str | None, when: datetime | None, sched: Any) -> Any:
        obj = cls(ident)
        obj.last_updated_time = when
        obj.scheduled_voice_provisioning = sched
        return obj

    return st.builds(build, opt_texts, st.none() | instants, st.none() | scheduled_voice)


voices = (
    voice(sn.VoiceConfigurationRTC, "app_id")
    | voice(sn.VoiceConfigurationEST, "trunk_id")
    | voice(sn.VoiceConfigurationFAX, "service_id")
)
active_numbers = st.builds(
    sn.ActiveNumber,
    phone_number=texts,
    project_id=opt_texts,
    display_name=opt_texts,
    region_code=opt_texts,
    type=st.none() | open_enum(sn.NumberType),
    capability=st.lists(open_enum(sn.Capability), max_size=3),
    money=st.none() | money,
    payment_interval_months=st.none() | st.integers(-(2**31), 2**31 - 1),
    next_charge_date=st.none() | instants,
    expire_at=st.none() | instants,
    sms_configuration=st.none() | sms,
    voice_configuration=st.none() | voices,
    callback_url=opt_texts,
)
available_numbers = st.builds(
    sn.AvailableNumber,
    phone_number=texts,
    region_code=opt_texts,
    type=st.none() | open_enum(sn.NumberType),
    capability=st.lists(open_enum(sn.Capability), max_size=3),
    setup_price=st.none() | money,
    monthly_price=st.none() | money,
    payment_interval_months=st.none() | st.integers(0, 48),
    supporting_documentation_required=st.none() | st.booleans(),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)

RESPONSE_MODELS = [
    sn.ActiveNumber,
    sn.AvailableNumber,
    sn.Region,
    sn.CallbackConfiguration,
    sn.EmergencyAddress,
    sn.AddressValidation,
    list[sn.ActiveNumber],
    list[sn.AvailableNumber],
    list[sn.Region],
]


class TestRoundTrip:
    """Models survive unstructure -> JSON-ready dict -> structure unchanged."""

    @SETTINGS
    @given(active_numbers)
    def test_active_number(self, number: sn.ActiveNumber) -> None:
        """ActiveNumber round-trips, voice variants and open enum values included."""
        assert structure(converter.unstructure(number), sn.ActiveNumber) == number

    @SETTINGS
    @given(available_numbers)
    def test_available_number(self, number: sn.AvailableNumber) -> None:
        """AvailableNumber round-trips with exact Decimal prices."""
        again = structure(converter.unstructure(number), sn.AvailableNumber)
        assert again == number
        if number.setup_price is not None:
            assert again.setup_price is not None
            assert isinstance(again.setup_price.amount, Decimal)


class TestHostileJson:
    """Arbitrary JSON fed to every response parser fails only with ResponseDecodeError."""

    @SETTINGS
    @given(json_values, st.sampled_from(RESPONSE_MODELS))
    def test_arbitrary_json(self, data: Any, model: Any) -> None:
        """Any JSON either parses or raises the SDK's own error."""
        with contextlib.suppress(sn.ResponseDecodeError):
            structure(data, model)

    @SETTINGS
    @given(st.sampled_from(sorted(active_number_json("+12025550134"))), json_values)
    def test_one_field_corrupted(self, key: str, value: Any) -> None:
        """A valid ActiveNumber with one field replaced parses or fails cleanly."""
        data = active_number_json("+12025550134")
        data[key] = value
        try:
            number = structure(data, sn.ActiveNumber)
        except sn.ResponseDecodeError:
            return
        assert isinstance(number.phone_number, str)
