"""The one place that knows the wire conventions of the Numbers API.

* names: snake_case attributes <-> camelCase JSON keys (``wire_name`` metadata overrides);
* money amounts: :class:`~decimal.Decimal` <-> decimal *strings*, never floats;
* timestamps: timezone-aware :class:`~datetime.datetime`; a value without a zone is UTC;
* enums are open: an unknown value is kept as its string instead of failing the whole page;
* unknown response fields are ignored; ``None`` fields are omitted when unstructuring;
* voice configurations are told apart by their ``type``.

``converter`` reads responses and writes complete models (round trip); ``request_converter``
writes request bodies, leaving out the read-only fields the server fills in.
Structure functions are generated once per class (no per-item reflection) with detailed
validation off, which keeps model building cheap; errors are turned into
:class:`~sinch_numbers.errors.ResponseDecodeError` by :func:`structure`.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from . import _enums
from ._models import (
    VoiceConfigurationEST,
    VoiceConfigurationFAX,
    VoiceConfigurationRTC,
    VoiceConfigurationUnknown,
)
from .errors import ResponseDecodeError

__all__ = ["converter", "request_converter", "structure", "to_camel", "unstructure_request"]

T = TypeVar("T")


def to_camel(name: str) -> str:
    """``service_plan_id`` -> ``servicePlanId``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _wire_name(field: attrs.Attribute[Any]) -> str:
    return str(field.metadata.get("wire_name") or to_camel(field.name))


# --- scalar hooks: strict about JSON types, so a wrong type is a decode error, not garbage ---


class WireTypeError(TypeError):
    """A JSON value of the wrong type for the field it fills."""


def _structure_str(value: Any, _: Any) -> str:
    if type(value) is str:
        return value
    raise WireTypeError(f"expected a string, got {type(value).__name__}")


def _structure_int(value: Any, _: Any) -> int:
    if type(value) is int:
        return value
    # int32/int64 fields may arrive as strings from proto-JSON gateways.
    if type(value) is str and value.lstrip("-").isdigit():
        return int(value)
    raise WireTypeError(f"expected an integer, got {type(value).__name__}")


def _structure_bool(value: Any, _: Any) -> bool:
    if type(value) is bool:
        return value
    raise WireTypeError(f"expected a boolean, got {type(value).__name__}")


def _structure_decimal(value: Any, _: Any) -> Decimal:
    if type(value) is str:
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise WireTypeError(f"not a decimal amount: {value[:40]!r}") from None
        if not result.is_finite():
            raise WireTypeError(f"not a finite amount: {value[:40]!r}")
        return result
    if type(value) is int:
        return Decimal(value)
    if type(value) is float:
        # Some gateways send numbers; go through repr so 0.1 stays 0.1.
        return Decimal(repr(value))
    raise WireTypeError(f"expected a decimal string, got {type(value).__name__}")


def _structure_datetime(value: Any, _: Any) -> datetime:
    if type(value) is not str:
        raise WireTypeError(f"expected a timestamp string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _unstructure_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _free_form(value: Any, _: Any) -> Any:
    return value


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _is_list_type(tp: Any) -> bool:
    return typing.get_origin(tp) is list


def _make_list_hook(conv: cattrs.Converter, tp: Any) -> Callable[[Any, Any], Any]:
    (item_type,) = typing.get_args(tp) or (typing.Any,)
    item_hook = conv.get_structure_hook(item_type)

    def structure_list(value: Any, _: Any) -> list[Any]:
        # Strict: a string is not a list of characters.
        if type(value) is not list:
            raise WireTypeError(f"expected an array, got {type(value).__name__}")
        return [item_hook(item, item_type) for item in value]

    return structure_list


# --- open enums: ``SomeEnum | str`` (optionally ``| None``) ---


def _open_enum_of(tp: Any) -> type[enum.Enum] | None:
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
    if len(args) == 2 and len(enums) == 1 and str in args:
        return enums[0]
    return None


def _make_open_enum_hook(tp: Any) -> Callable[[Any, Any], Any]:
    enum_cls = _open_enum_of(tp)
    assert enum_cls is not None
    lookup: dict[str, enum.Enum] = {member.value: member for member in enum_cls}
    optional = type(None) in typing.get_args(tp)

    def structure_open_enum(value: Any, _: Any) -> Any:
        if type(value) is str:
            return lookup.get(value, value)
        if value is None and optional:
            return None
        raise WireTypeError(f"expected a {enum_cls.__name__} string, got {type(value).__name__}")

    return structure_open_enum


# --- voice configuration: discriminated by ``type`` ---

_VOICE_CLASSES: dict[str, type[Any]] = {
    "RTC": VoiceConfigurationRTC,
    "EST": VoiceConfigurationEST,
    "FAX": VoiceConfigurationFAX,
}


def _is_voice_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and (
        VoiceConfigurationRTC in typing.get_args(tp)
    )


def _is_attrs_class(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def _build(*, for_requests: bool) -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=False)

    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_structure_hook(typing.Any, _free_form)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    # Per class: the enums are ``str`` subclasses and would otherwise dispatch as plain str.
    for name in _enums.__all__:
        conv.register_unstructure_hook(getattr(_enums, name), _enum_value)
    conv.register_structure_hook_factory(_is_list_type)(lambda tp: _make_list_hook(conv, tp))
    conv.register_structure_hook_factory(lambda tp: _open_enum_of(tp) is not None)(
        _make_open_enum_hook
    )

    def structure_voice(value: Any, tp: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise WireTypeError(f"expected an object, got {type(value).__name__}")
        kind = value.get("type", "RTC")
        cls = _VOICE_CLASSES.get(kind)
        if cls is not None:
            return conv.structure(value, cls)
        if type(kind) is not str:
            raise WireTypeError("voiceConfiguration.type must be a string")
        unknown = VoiceConfigurationUnknown(type=kind, raw=dict(value))
        if value.get("lastUpdatedTime") is not None:
            unknown.last_updated_time = _structure_datetime(value["lastUpdatedTime"], datetime)
        return unknown

    conv.register_structure_hook_func(_is_voice_union, structure_voice)

    def structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        overrides: dict[str, Any] = {
            f.name: override(rename=_wire_name(f)) for f in attrs.fields(cls) if f.init
        }
        fn = make_dict_structure_fn(cls, conv, _cattrs_detailed_validation=False, **overrides)

        def structure_object(value: Any, tp: Any) -> Any:
            if not isinstance(value, dict):
                raise WireTypeError(
                    f"expected an object for {cls.__name__}, got {type(value).__name__}"
                )
            return fn(value, tp)

        return structure_object

    def unstructure_factory(cls: type[Any]) -> Callable[[Any], Any]:
        overrides: dict[str, Any] = {}
        for f in attrs.fields(cls):
            omit = (for_requests and bool(f.metadata.get("read_only"))) or f.name == "raw"
            overrides[f.name] = override(rename=_wire_name(f), omit=omit)
        fn = make_dict_unstructure_fn(cls, conv, **overrides)

        def unstructure_object(obj: Any) -> dict[str, Any]:
            data: dict[str, Any] = fn(obj)
            if isinstance(obj, VoiceConfigurationUnknown):
                data = {**obj.raw, **{k: v for k, v in data.items() if v is not None}}
            # Nulls are omitted on the wire; an explicit null is only sent by PATCH (see
            # unstructure_request), never from inside a model.
            return {k: v for k, v in data.items() if v is not None}

        return unstructure_object

    conv.register_structure_hook_factory(_is_attrs_class)(structure_factory)
    conv.register_unstructure_hook_factory(_is_attrs_class)(unstructure_factory)
    return conv


#: Reads responses and writes whole models.
converter = _build(for_requests=False)
#: Writes request bodies: read-only fields left out.
request_converter = _build(for_requests=True)

_DECODE_ERRORS = (
    cattrs.BaseValidationError,
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    ArithmeticError,
)


def structure(data: Any, cls: type[T] | Any, *, http_status: int = 200, what: str = "") -> T:
    """Build ``cls`` from decoded JSON, or raise :class:`ResponseDecodeError`."""
    try:
        return typing.cast(T, converter.structure(data, cls))
    except _DECODE_ERRORS as exc:
        name = what or getattr(cls, "__name__", str(cls))
        raise ResponseDecodeError(
            f"response is not a valid {name}: {type(exc).__name__}: {exc}",
            http_status=http_status,
            text=repr(data)[:2000],
        ) from exc


def unstructure_request(value: Any) -> Any:
    """A request-side model (or list/dict of them) as JSON-ready data."""
    return request_converter.unstructure(value)
