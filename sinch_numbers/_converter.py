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
from cattrs.gen import make_dict_unstructure_fn, override

from . import _enums
from ._jsonlib import dumps, gc_paused, loads
from ._models import (
    VoiceConfigurationEST,
    VoiceConfigurationFAX,
    VoiceConfigurationRTC,
    VoiceConfigurationUnknown,
)
from .errors import ResponseDecodeError

__all__ = [
    "converter",
    "json_text",
    "request_converter",
    "structure",
    "structure_list",
    "to_camel",
    "unstructure_request",
]

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


def _parse_decimal(value: Any) -> Decimal:
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


def _parse_datetime(value: Any) -> datetime:
    if type(value) is not str:
        raise WireTypeError(f"expected a timestamp string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _structure_decimal(value: Any, _: Any) -> Decimal:
    return _parse_decimal(value)


def _structure_datetime(value: Any, _: Any) -> datetime:
    return _parse_datetime(value)


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


# --- generated structure functions ---
#
# Model building dominates a listing's CPU time, so each model class gets one function generated
# at first use: it reads the dict once, checks JSON types inline and fills a bare instance,
# without the per-field hook calls, kwargs dicts and ``__init__`` of the generic path. Nested
# models are built inline a few levels deep. The function first tries a fast path written for
# the usual case only; anything unusual there raises, and the strict path (with a branch and a
# precise error for every case) builds the object instead. The functions are registered as
# cattrs hooks; other nested types still go through the converter.


def _bad(key: str, expected: str, value: Any) -> Any:
    raise WireTypeError(f"{key}: expected {expected}, got {type(value).__name__}")


def _missing(key: str) -> Any:
    raise KeyError(key)


def _default_code(field: attrs.Attribute[Any], n: str, ns: dict[str, Any]) -> str:
    """Code giving the field's default ("" when it has none); puts what it needs in ``ns``."""
    default: Any = field.default
    if default is attrs.NOTHING:
        return ""
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:  # pragma: no cover - no such model
            raise TypeError("takes_self factories are not supported")
        if default.factory is list:
            return "[]"
        ns[f"F{n}"] = default.factory
        return f"F{n}()"
    if default is None:
        return "None"
    ns[f"D{n}"] = default
    return f"D{n}"


#: How many levels of nested models one generated function builds itself.
_INLINE_DEPTH = 3


def _make_structure_fn(cls: type[Any], conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    ns: dict[str, Any] = {
        "new": object.__new__,
        "bad": _bad,
        "missing": _missing,
        "dec": _structure_decimal,
        "Dec": Decimal,
        "iso": datetime.fromisoformat,
        "UTC": UTC,
        "to_int": _structure_int,
        "bail": _bail,
    }

    def convert(expr: str, tp: Any, key: str, n: str) -> str:
        """Expression converting ``expr`` (not None) to ``tp``."""
        k = repr(key)
        if tp is str:
            return f"({expr} if {expr}.__class__ is str else bad({k}, 'a string', {expr}))"
        if tp is bool:
            return f"({expr} if {expr}.__class__ is bool else bad({k}, 'a boolean', {expr}))"
        if tp is int:
            return f"({expr} if {expr}.__class__ is int else to_int({expr}, None))"
        if tp is Decimal:
            # The common case inline: a finite decimal string.
            return (
                f"(x if (x := Dec({expr})).is_finite() else dec({expr}, None)) "
                f"if {expr}.__class__ is str else dec({expr}, None)"
            )
        if tp is datetime:
            # Inlined: fromisoformat is fast; a value without a zone is UTC.
            return (
                f"((d if (d := iso({expr})).tzinfo is not None else d.replace(tzinfo=UTC)) "
                f"if {expr}.__class__ is str else bad({k}, 'a timestamp string', {expr}))"
            )
        enum_cls = _open_enum_of(tp)
        if enum_cls is not None:
            ns[f"lk{n}"] = {m.value: m for m in enum_cls}
            return (
                f"(lk{n}.get({expr}, {expr}) if {expr}.__class__ is str "
                f"else bad({k}, 'a string', {expr}))"
            )
        if typing.get_origin(tp) is list:
            (item_tp,) = typing.get_args(tp)
            inner = convert("x", item_tp, key, n + "i")
            # An empty array (common: errorCodes) skips the comprehension's frame.
            return (
                f"(([{inner} for x in {expr}] if {expr} else []) if {expr}.__class__ is list "
                f"else bad({k}, 'an array', {expr}))"
            )
        if tp is typing.Any:
            return expr
        if typing.get_origin(tp) is dict:
            return f"({expr} if {expr}.__class__ is dict else bad({k}, 'an object', {expr}))"
        ns[f"h{n}"] = conv.get_structure_hook(tp)
        ns[f"t{n}"] = tp
        return f"h{n}({expr}, t{n})"

    # Keys are looked up through closure variables holding the JSON decoder's own key objects
    # (see _decoder_keys), not through code constants.
    wire_vars: dict[str, str] = {}

    def wire(key: str) -> str:
        return wire_vars.setdefault(key, f"W{len(wire_vars)}")

    Emitter = Callable[[type[Any], str, str, str, str, int], list[str]]

    def emit_nested(
        recurse: Emitter,
        tp: Any,
        where: tuple[str, str, str, str, int],
        *,
        kind: Callable[[], str],
        otherwise: Callable[[], str],
    ) -> list[str]:
        """Statements building a nested model from ``src`` into ``target`` inline, with
        ``recurse`` emitting each model: an attrs class, or a voice configuration chosen by
        the expression ``kind()`` (``otherwise()`` is the statement for any other type).
        ``[]`` when ``tp`` is neither, or nesting is already deep enough.
        """
        src, target, n, indent, depth = where
        if depth >= _INLINE_DEPTH:
            return []
        if _is_attrs_class(tp):
            child = f"i{n}"
            return [*recurse(tp, src, child, indent, n, depth + 1), f"{indent}{target} = {child}"]
        if not _is_voice_union(tp):
            return []
        out = [f"{indent}k{n} = {kind()}"]
        for branch, (type_name, voice_cls) in enumerate(_VOICE_CLASSES.items()):
            child = f"i{n}{type_name}"
            out.append(f"{indent}{'elif' if branch else 'if'} k{n} == {type_name!r}:")
            out += recurse(voice_cls, src, child, indent + "    ", n + type_name, depth + 1)
            out.append(f"{indent}    {target} = {child}")
        return [*out, f"{indent}else:", f"{indent}    {otherwise()}"]

    def emit(
        model: type[Any], src: str, dst: str, indent: str, p: str, depth: int = 0
    ) -> list[str]:
        """Statements filling ``dst`` with a ``model`` read from the dict ``src``.

        Nested attrs classes (and the voice configurations, by ``type``) are emitted inline, no
        call per nested object, up to a few levels deep; each level has its own variable
        names, suffixed with ``p``.
        """
        hints = typing.get_type_hints(model)
        ns[f"C{p}"] = model
        g, v = f"g{p}", f"v{p}"
        out = [
            f"{indent}if {src}.__class__ is not dict:",
            f"{indent}    bad({model.__name__!r}, 'an object', {src})",
            f"{indent}{g} = {src}.get",
            f"{indent}{dst} = new(C{p})",
        ]
        for index, field in enumerate(attrs.fields(model)):
            n = f"{p}_{index}"
            name = field.name
            default_code = _default_code(field, n, ns)
            if not field.init:
                out.append(f"{indent}{dst}.{name} = {default_code}")
                continue
            tp = _without_none(hints[name])
            key = _wire_name(field)
            missing = default_code or f"missing({key!r})"
            if tp is str:
                # The common case in one test: a string goes straight in.
                out.append(
                    f"{indent}{dst}.{name} = {v} if ({v} := {g}({wire(key)})).__class__ is str "
                    f"else ({missing} if {v} is None else bad({key!r}, 'a string', {v}))"
                )
                continue
            out.append(f"{indent}{v} = {g}({wire(key)})")
            out.append(f"{indent}if {v} is None:")
            out.append(f"{indent}    {dst}.{name} = {missing}")
            out.append(f"{indent}else:")
            # A voice configuration of another type (or not an object) goes through the
            # converter's voice hook, which keeps it or names the error.
            out += emit_nested(
                emit,
                tp,
                (v, f"{dst}.{name}", n, indent + "    ", depth),
                kind=lambda: f"{v}.get({wire('type')}, 'RTC') if {v}.__class__ is dict else None",
                # Called at once, inside this iteration.
                otherwise=lambda: f"{dst}.{name} = {convert(v, tp, key, n)}",  # noqa: B023
            ) or [f"{indent}    {dst}.{name} = {convert(v, tp, key, n)}"]
        return out

    def convert_fast(expr: str, tp: Any, key: str, n: str) -> str:
        """Like ``convert``, for the usual values only: anything else raises."""
        if tp is Decimal:
            return (
                f"((x if (x := Dec({expr})).is_finite() else bail()) "
                f"if {expr}.__class__ is str else bail())"
            )
        if tp is datetime:
            # fromisoformat raises on anything but a string.
            return f"(d if (d := iso({expr})).tzinfo is not None else d.replace(tzinfo=UTC))"
        enum_cls = _open_enum_of(tp)
        if enum_cls is not None:
            # Known values only: an unknown one (kept as a string) is the strict path's job.
            ns[f"lk{n}"] = {m.value: m for m in enum_cls}
            return f"lk{n}[{expr}]"
        item_enum = _open_enum_of(typing.get_args(tp)[0]) if typing.get_origin(tp) is list else None
        if item_enum is not None:
            ns[f"lkg{n}"] = {m.value: m for m in item_enum}.__getitem__
            return (
                f"(([*map(lkg{n}, {expr})] if {expr} else []) "
                f"if {expr}.__class__ is list else bail())"
            )
        return convert(expr, tp, key, n)

    def emit_fast(
        model: type[Any], src: str, dst: str, indent: str, p: str, depth: int = 0
    ) -> list[str]:
        """``emit`` for the usual case: no branch for what is unusual, which raises instead.

        A value of the wrong type, an enum value this SDK does not know, a ``type``-less voice
        configuration... all raise (a non-dict has no ``.get``, ``fromisoformat`` wants a
        string, an unknown enum value is not in the lookup), and the caller falls back to the
        strict function, which handles the case or names the error precisely.
        """
        hints = typing.get_type_hints(model)
        ns[f"C{p}"] = model
        v = f"v{p}"
        out = [f"{indent}{dst} = new(C{p})"]
        for index, field in enumerate(attrs.fields(model)):
            n = f"{p}_{index}"
            name = field.name
            default_code = _default_code(field, n, ns)
            if not field.init:
                out.append(f"{indent}{dst}.{name} = {default_code}")
                continue
            tp = _without_none(hints[name])
            key = _wire_name(field)
            read = f"{src}.get({wire(key)})"
            missing = default_code or "bail()"
            if tp in (str, bool, int):
                out.append(
                    f"{indent}{dst}.{name} = {v} if ({v} := {read}).__class__ is {tp.__name__} "
                    f"else ({missing} if {v} is None else bail())"
                )
                continue
            out.append(f"{indent}{v} = {read}")
            out.append(f"{indent}if {v} is None:")
            out.append(f"{indent}    {dst}.{name} = {missing}")
            out.append(f"{indent}else:")
            out += emit_nested(
                emit_fast,
                tp,
                (v, f"{dst}.{name}", n, indent + "    ", depth),
                kind=lambda: f"{v}.get({wire('type')}, 'RTC')",
                otherwise=lambda: "bail()",
            ) or [f"{indent}    {dst}.{name} = {convert_fast(v, tp, key, n)}"]
        return out

    strict_body = emit(cls, "o", "i", "        ", "0")
    fast_body = emit_fast(cls, "o", "i", "                ", "0")
    ns["state"] = state = _FastPath()
    lines = [
        f"def make({', '.join(wire_vars.values())}):",
        "    def strict(o, _=None):",
        *strict_body,
        "        return i",
        "    def structure(o, _=None):",
        "        if state.on:",
        "            try:",
        *fast_body,
        "                return i",
        "            except Exception:",
        "                state.misses += 1",
        "        return strict(o)",
        "    return structure, strict",
    ]
    source = "\n".join(lines)
    exec(compile(source, f"<sinch_numbers structure {cls.__name__}>", "exec"), ns)  # noqa: S102
    keys = _decoder_keys(list(wire_vars))
    structure, strict = ns["make"](*keys)
    structure.fast_path = state
    structure.strict = strict
    return typing.cast(Callable[[Any, Any], Any], structure)


class _FastPath:
    """Whether a generated builder tries its fast path first, and how often it fell back.

    When more than one item in ``MISS_RATIO`` of a page leaves the fast path (say, a new
    enum value in every item), falling back item by item costs more than going strict
    directly: the next ``PAUSE_PAGES`` pages of that model are built strictly, then the
    fast path is tried again.
    """

    MISS_RATIO = 4
    PAUSE_PAGES = 64

    __slots__ = ("misses", "on", "paused_pages")

    def __init__(self) -> None:
        self.on = True
        self.misses = 0
        self.paused_pages = 0

    def after_page(self, misses: int, items: int) -> None:
        if not self.on:
            self.paused_pages -= 1
            self.on = self.paused_pages <= 0
        elif misses * self.MISS_RATIO > items:
            self.on = False
            self.paused_pages = self.PAUSE_PAGES


def _bail() -> Any:
    raise _Unusual


class _Unusual(Exception):
    """Raised by a fast builder on a value it leaves to the strict builder."""


def _without_none(tp: Any) -> Any:
    """``X | None`` as ``X`` (open enums and the voice union keep their ``None``)."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in args:
        rest = tuple(a for a in args if a is not type(None))
        if _open_enum_of(tp) is None and not _is_voice_union(tp):
            return rest[0] if len(rest) == 1 else typing.Union[rest]  # noqa: UP007
    return tp


def _decoder_keys(keys: list[str]) -> list[str]:
    """``keys`` as the very string objects the JSON decoder puts in the dicts it returns.

    orjson keeps one string object per object key it has seen and hands out that same object
    in every document it decodes. A dict lookup with the stored key object itself skips
    comparing characters, which makes reading a decoded dict noticeably faster. (Code
    constants cannot hold them: compiling interns identifier-like strings.) The strings are
    equal either way: with the stdlib decoder, or once orjson's key cache has moved on,
    lookups simply compare characters again.
    """
    decoded = loads(dumps(dict.fromkeys(keys, 0)))
    own: dict[str, str] = {key: key for key in decoded} if type(decoded) is dict else {}
    return [own.get(key, key) for key in keys]


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

    voice_hooks: dict[str, Callable[[Any, Any], Any]] = {}

    def structure_voice(value: Any, tp: Any) -> Any:
        if not voice_hooks:
            voice_hooks.update(
                {kind: conv.get_structure_hook(cls) for kind, cls in _VOICE_CLASSES.items()}
            )
        if value is None:
            return None
        if not isinstance(value, dict):
            raise WireTypeError(f"expected an object, got {type(value).__name__}")
        kind = value.get("type", "RTC")
        hook = voice_hooks.get(kind) if type(kind) is str else None
        if hook is not None:
            return hook(value, None)
        if type(kind) is not str:
            raise WireTypeError("voiceConfiguration.type must be a string")
        unknown = VoiceConfigurationUnknown(type=kind, raw=dict(value))
        if value.get("lastUpdatedTime") is not None:
            unknown.last_updated_time = _structure_datetime(value["lastUpdatedTime"], datetime)
        return unknown

    conv.register_structure_hook_func(_is_voice_union, structure_voice)

    def structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        return _make_structure_fn(cls, conv)

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


def json_text(value: Any) -> str:
    """Decoded JSON as JSON text again, for an error's ``text`` when the raw body is gone."""
    try:
        return dumps(value).decode("utf-8", "replace")
    except (TypeError, ValueError, RecursionError):  # pragma: no cover - JSON always encodes
        return repr(value)


@typing.overload
def structure(
    data: Any, cls: type[T], *, http_status: int = ..., what: str = ..., raw: bytes | None = ...
) -> T: ...
@typing.overload
def structure(
    data: Any, cls: Any, *, http_status: int = ..., what: str = ..., raw: bytes | None = ...
) -> Any: ...
def structure(
    data: Any, cls: Any, *, http_status: int = 200, what: str = "", raw: bytes | None = None
) -> Any:
    """Build ``cls`` from decoded JSON, or raise :class:`ResponseDecodeError`.

    ``raw`` is the body ``data`` was decoded from: the error keeps it as its ``text``.
    """
    try:
        return converter.get_structure_hook(cls)(data, cls)
    except _DECODE_ERRORS as exc:
        name = what or getattr(cls, "__name__", str(cls))
        raise ResponseDecodeError(
            f"response is not a valid {name}: {type(exc).__name__}: {exc}",
            http_status=http_status,
            text=raw.decode("utf-8", "replace") if raw is not None else json_text(data),
        ) from exc


def structure_list(items: list[Any], cls: type[T]) -> list[T]:
    """Models from a page of raw items (collector paused meanwhile, see ``gc_paused``)."""
    hook = converter.get_structure_hook(cls)
    fast: _FastPath | None = getattr(hook, "fast_path", None)
    misses = fast.misses if fast is not None else 0
    try:
        with gc_paused():
            models = [hook(item, cls) for item in items]
    except _DECODE_ERRORS as exc:
        raise ResponseDecodeError(
            f"response is not a valid list of {cls.__name__}: {type(exc).__name__}: {exc}",
            http_status=200,
            text=json_text(items),
        ) from exc
    if fast is not None:
        fast.after_page(fast.misses - misses, len(items))
    return models


def unstructure_request(value: Any) -> Any:
    """A request-side model (or list/dict of them) as JSON-ready data."""
    return request_converter.unstructure(value)
