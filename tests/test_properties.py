"""Property-based checks of the converter: round trips, and hostile JSON fails only cleanly."""

from __future__ import annotations

import contextlib
import copy
import enum
import types
import typing
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sinch_numbers as sn
from sinch_numbers._converter import converter, structure, structure_list, to_camel
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


def _full_active_number() -> dict[str, Any]:
    """An ActiveNumber with every nested object present, scheduled provisionings included."""
    return active_number_json(
        "+12025550134",
        smsConfiguration={
            "servicePlanId": "plan-1",
            "campaignId": "CX4F2WD",
            "scheduledProvisioning": {
                "servicePlanId": "plan-2",
                "campaignId": "CY7K3PQ",
                "status": "FAILED",
                "lastUpdatedTime": "2026-11-01T08:00:00.123456Z",
                "errorCodes": ["CAMPAIGN_PENDING_ACCEPTANCE"],
            },
        },
        voiceConfiguration={
            "type": "EST",
            "trunkId": "trunk-1",
            "lastUpdatedTime": "2026-11-01T08:00:00",
            "scheduledVoiceProvisioning": {
                "type": "EST",
                "trunkId": "trunk-2",
                "status": "WAITING",
                "lastUpdatedTime": "2026-11-02T08:00:00+02:00",
            },
        },
    )


def _hook(model: Any) -> Any:
    """The generated builder for ``model`` (with its ``strict`` and ``fast_path`` attributes)."""
    return converter.get_structure_hook(model)


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in nested dicts."""
    found: list[tuple[str, ...]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.append((*prefix, key))
            found += _paths(inner, (*prefix, key))
    return found


def _canonical(value: Any) -> Any:
    """``value`` in a form where equal means the same types too.

    Model equality alone would hide a fast path that returned ``"LOCAL"`` for
    ``NumberType.LOCAL``, ``True`` for ``1`` or the same instant at another offset.
    """
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return (type(value), tuple((f.name, _canonical(getattr(value, f.name))) for f in fields))
    if isinstance(value, enum.Enum):
        return (type(value), value.value)
    if isinstance(value, datetime):
        return (datetime, value.isoformat(), repr(value.tzinfo))
    if isinstance(value, Decimal):
        return (Decimal, value.as_tuple())
    if type(value) is list:
        return (list, tuple(_canonical(item) for item in value))
    if type(value) is dict:
        return (dict, tuple((key, _canonical(item)) for key, item in value.items()))
    return (type(value), value)


def _outcome(build: Any, data: Any, model: Any = sn.ActiveNumber) -> tuple[Any, ...]:
    try:
        return ("built", _canonical(build(data, model)))
    except Exception as exc:  # compared, not swallowed: both builders must fail alike
        return ("failed", type(exc), str(exc))


def _response_models() -> list[type[Any]]:
    """Every model the converter builds from responses or callbacks."""
    from sinch_numbers import _models, _order_models, callbacks

    request_only = {sn.QuantityOrderOption, sn.Page}  # never built from JSON
    return [
        obj
        for module in (_models, _order_models, callbacks)
        for obj in vars(module).values()
        if isinstance(obj, type)
        and attrs.has(obj)
        and obj.__module__ == module.__name__
        and obj not in request_only
    ]


def _sample(tp: Any) -> Any:
    """Usual JSON for a field type: every optional value present, every list non-empty."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
        if enums:
            return next(iter(enums[0])).value
        models = [a for a in args if attrs.has(a)]
        if sn.VoiceConfigurationEST in models:
            return {"type": "EST", **_full(sn.VoiceConfigurationEST)}
        return _sample(args[0])
    if typing.get_origin(tp) is list:
        return [_sample(args[0])]
    if typing.get_origin(tp) is typing.Literal:
        return typing.get_args(tp)[0].value
    if attrs.has(tp):
        return _full(tp)
    samples: dict[Any, Any] = {
        str: "text",
        int: 7,
        bool: True,
        Decimal: "12.50",
        datetime: "2026-11-02T08:00:00.250+02:00",
    }
    return samples.get(tp, {"free": ["form", 1]})


def _full(model: type[Any]) -> dict[str, Any]:
    """JSON for ``model`` with every field present."""
    hints = typing.get_type_hints(model)
    return {
        f.metadata.get("wire_name") or to_camel(f.name): _sample(hints[f.name])
        for f in attrs.fields(model)
        if f.init and f.name != "raw"
    }


FULL_SAMPLES = {model: _full(model) for model in _response_models()}
_DELETED = object()


@contextlib.contextmanager
def _fast_paths_on(*models: Any) -> Iterator[None]:
    """The models' fast paths switched on (another test may have paused one), then restored."""
    states = [_hook(model).fast_path for model in models]
    saved = [(state.on, state.paused_pages) for state in states]
    for state in states:
        state.on, state.paused_pages = True, 0
    try:
        yield
    finally:
        for state, (on, paused) in zip(states, saved, strict=True):
            state.on, state.paused_pages = on, paused


ACTIVE_NUMBER_HOOK = _hook(sn.ActiveNumber)


@pytest.fixture
def fast_path() -> Iterator[Any]:
    """ActiveNumber's fast-path state, switched on for the test and restored after it."""
    with _fast_paths_on(sn.ActiveNumber):
        yield ACTIVE_NUMBER_HOOK.fast_path


class TestFastPath:
    """The generated builders' fast path gives exactly what the strict path gives.

    The fast path skips the branches for unusual values and hands those to the strict
    builder; these checks compare the two on usual, unusual and corrupted data.
    """

    @SETTINGS
    @given(active_numbers)
    def test_agrees_with_strict_on_models(self, number: sn.ActiveNumber) -> None:
        """Any model's JSON builds the same through both paths."""
        data = converter.unstructure(number)
        with _fast_paths_on(sn.ActiveNumber):
            assert _outcome(ACTIVE_NUMBER_HOOK, data) == _outcome(ACTIVE_NUMBER_HOOK.strict, data)

    def test_every_model_builds_its_usual_json_on_the_fast_path(self) -> None:
        """Each model's complete JSON takes the fast path and equals the strict result."""
        assert len(FULL_SAMPLES) > 20
        for model, data in FULL_SAMPLES.items():
            hook = _hook(model)
            with _fast_paths_on(model):
                before = hook.fast_path.misses
                fast = _outcome(hook, data, model)
                assert hook.fast_path.misses == before, model
            assert fast == _outcome(hook.strict, data, model), model
            assert fast[0] == "built", (model, fast)

    @settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.sampled_from(
            [(model, path) for model, data in FULL_SAMPLES.items() for path in _paths(data)]
        ),
        json_values | st.just(_DELETED),
    )
    def test_agrees_with_strict_on_corrupted_fields(
        self, model_and_path: tuple[Any, tuple[str, ...]], value: Any
    ) -> None:
        """Any model, one field anywhere replaced or removed: same model, or the same error."""
        model, path = model_and_path
        data = copy.deepcopy(FULL_SAMPLES[model])
        target = data
        for key in path[:-1]:
            target = target[key]
        if value is _DELETED:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        hook = _hook(model)
        with _fast_paths_on(model):
            fast = _outcome(hook, data, model)
        assert fast == _outcome(hook.strict, data, model)

    def test_agrees_with_strict_on_every_field_and_tricky_value(self) -> None:
        """Every field of every model, each replaced by values that resemble the right one."""
        tricky: list[Any] = [
            None,
            True,
            False,
            0,
            1,
            1.5,
            "",
            "1",
            "2.50",
            "NaN",
            "SATELLITE",
            [],
            {},
        ]
        tricky += ["2026-11-02T08:00:00", [None], ["SMS", 1], _DELETED]
        cases = 0
        for model, sample in FULL_SAMPLES.items():
            hook = _hook(model)
            for path in _paths(sample):
                for value in tricky:
                    data = copy.deepcopy(sample)
                    target = data
                    for key in path[:-1]:
                        target = target[key]
                    if value is _DELETED:
                        del target[path[-1]]
                    else:
                        target[path[-1]] = value
                    with _fast_paths_on(model):
                        fast = _outcome(hook, data, model)
                    assert fast == _outcome(hook.strict, data, model), (model, path, value)
                    cases += 1
        assert cases > 1000

    def test_usual_data_stays_on_the_fast_path(self, fast_path: Any) -> None:
        """A complete, ordinary item never falls back."""
        before = fast_path.misses
        number = ACTIVE_NUMBER_HOOK(_full_active_number(), sn.ActiveNumber)
        assert fast_path.misses == before
        assert number == ACTIVE_NUMBER_HOOK.strict(_full_active_number(), sn.ActiveNumber)
        assert isinstance(number.voice_configuration, sn.VoiceConfigurationEST)
        assert number.voice_configuration.scheduled_voice_provisioning is not None

    def test_unusual_value_falls_back_and_is_kept(self, fast_path: Any) -> None:
        """An enum value the SDK does not know leaves the fast path and is kept as text."""
        before = fast_path.misses
        number = ACTIVE_NUMBER_HOOK(
            active_number_json("+12025550134", type="SATELLITE"), sn.ActiveNumber
        )
        assert number.type == "SATELLITE"
        assert fast_path.misses == before + 1

    def test_page_of_unusual_items_pauses_the_fast_path(self, fast_path: Any) -> None:
        """When most of a page falls back, the model goes strict directly for a while."""
        usual = [active_number_json(f"+1202555{i:04d}") for i in range(8)]
        unusual = [active_number_json(f"+1202555{i:04d}", type="SATELLITE") for i in range(8)]
        structure_list(usual, sn.ActiveNumber)
        assert fast_path.on
        numbers = structure_list(unusual, sn.ActiveNumber)
        assert [n.type for n in numbers] == ["SATELLITE"] * 8
        assert not fast_path.on
        misses = fast_path.misses
        for _ in range(fast_path.PAUSE_PAGES - 1):
            again = structure_list(unusual, sn.ActiveNumber)
            assert not fast_path.on
        assert fast_path.misses == misses  # strict directly: no more attempts meanwhile
        assert [n.type for n in again] == ["SATELLITE"] * 8
        structure_list(usual, sn.ActiveNumber)
        assert fast_path.on  # tried again after the pause
        before = fast_path.misses
        structure_list(usual, sn.ActiveNumber)
        assert fast_path.misses == before
