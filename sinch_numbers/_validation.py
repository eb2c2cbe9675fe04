"""Argument checks run before any request is sent.

Each check raises :class:`ValueError` (or :class:`TypeError` for a wrong type) naming the
argument, and returns the value in its wire form. Secret values are never echoed in messages.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Any, TypeVar

from yarl import URL

__all__ = [
    "check_base_url",
    "check_enum",
    "check_enum_list",
    "check_hmac_secret",
    "check_phone_number",
    "check_positive_int",
    "check_region_code",
    "check_resource_id",
    "check_text",
]

E = TypeVar("E", bound=enum.Enum)

_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_REGION = re.compile(r"[A-Za-z]{2}")
_PATTERN = re.compile(r"\+?[0-9]{1,15}")
_HMAC_SECRET = re.compile(r"[a-zA-Z0-9-]{32,64}")
_RESOURCE_ID = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}")
_INT32_MAX = 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _type_error(arg: str, expected: str, value: Any) -> TypeError:
    return TypeError(f"{arg} must be {expected}, got {type(value).__name__}")


def check_phone_number(value: Any, arg: str = "phone_number") -> str:
    """An E.164 number: ``+``, a non-zero digit, at most 15 digits in all."""
    if not isinstance(value, str):
        raise _type_error(arg, "an E.164 phone number string", value)
    if not _E164.fullmatch(value):
        raise ValueError(
            f"{arg} must be an E.164 phone number such as '+12025550134' "
            f"('+' then up to 15 digits, no spaces or separators), got {value[:40]!r}"
        )
    return value


def check_region_code(value: Any, arg: str = "region_code") -> str:
    """An ISO 3166-1 alpha-2 code; returned upper-case."""
    if not isinstance(value, str):
        raise _type_error(arg, "a two-letter region code string", value)
    if not _REGION.fullmatch(value):
        raise ValueError(
            f"{arg} must be an ISO 3166-1 alpha-2 code such as 'US', got {value[:40]!r}"
        )
    return value.upper()


def check_number_pattern(value: Any, arg: str = "number_pattern") -> str:
    """Digits to match in a number, optionally starting with ``+``."""
    if not isinstance(value, str):
        raise _type_error(arg, "a string of digits", value)
    if not _PATTERN.fullmatch(value):
        raise ValueError(
            f"{arg} must be 1 to 15 digits, optionally after a leading '+', got {value[:40]!r}"
        )
    return value


def check_enum(value: Any, enum_cls: type[E], arg: str) -> E:
    """An enum member, given as the member or its wire value (or its name)."""
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        for member in enum_cls:
            if value == member.value or value == member.name:
                return member
        allowed = ", ".join(repr(m.value) for m in enum_cls)
        raise ValueError(
            f"{arg} must be one of {allowed} (or {enum_cls.__name__}), got {value[:40]!r}"
        )
    raise _type_error(arg, f"a {enum_cls.__name__} or its string value", value)


def check_enum_list(value: Any, enum_cls: type[E], arg: str) -> list[E]:
    """One enum value or an iterable of them; duplicates dropped, order kept."""
    if isinstance(value, str | enum.Enum):
        items: Iterable[Any] = [value]
    elif isinstance(value, Iterable):
        items = value
    else:
        raise _type_error(arg, f"a {enum_cls.__name__} or a list of them", value)
    result: list[E] = []
    for item in items:
        member = check_enum(item, enum_cls, arg)
        if member not in result:
            result.append(member)
    if not result:
        raise ValueError(f"{arg} must not be empty; pass None to leave the filter out")
    return result


def check_positive_int(value: Any, arg: str) -> int:
    """A whole number above zero (``bool`` is refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _type_error(arg, "a positive int", value)
    if value <= 0:
        raise ValueError(f"{arg} must be a positive int, got {value}")
    if value > _INT32_MAX:
        # The API's sizes are int32; a larger value would only come back as a 400.
        raise ValueError(f"{arg} must be at most {_INT32_MAX}, got {value}")
    return value


def check_text(value: Any, arg: str, *, allow_empty: bool = True) -> str:
    """A plain string without control characters."""
    if not isinstance(value, str):
        raise _type_error(arg, "a string", value)
    if not allow_empty and not value:
        raise ValueError(f"{arg} must not be empty")
    if _CONTROL.search(value):
        raise ValueError(f"{arg} must not contain control characters, got {value[:40]!r}")
    return value


def check_url(value: Any, arg: str, *, allow_empty: bool = False) -> str:
    """An absolute http(s) URL (or ``""`` where the API uses it to clear a value)."""
    text = check_text(value, arg)
    if allow_empty and text == "":
        return text
    try:
        url = URL(text)
    except (ValueError, TypeError):
        raise ValueError(f"{arg} must be an absolute http(s) URL, got {text[:80]!r}") from None
    if url.scheme not in ("http", "https") or not url.host or " " in text:
        raise ValueError(f"{arg} must be an absolute http(s) URL, got {text[:80]!r}")
    return text


def check_base_url(value: Any, arg: str) -> URL:
    """An http(s) origin, optionally with a path prefix; no query or fragment."""
    if isinstance(value, URL):
        value = str(value)
    text = check_url(value, arg)
    url = URL(text)
    if url.query_string or url.fragment:
        raise ValueError(f"{arg} must not have a query or fragment, got {text[:80]!r}")
    if url.user or url.password:
        raise ValueError(f"{arg} must not embed credentials")
    return url


def check_hmac_secret(value: Any, arg: str = "hmac_secret") -> str:
    """32 to 64 letters, digits or ``-`` (the secret itself never appears in the message)."""
    if not isinstance(value, str):
        raise _type_error(arg, "a string", value)
    if not _HMAC_SECRET.fullmatch(value):
        raise ValueError(
            f"{arg} must be 32 to 64 characters of letters, digits and '-' "
            f"(the value given has {len(value)} characters)"
        )
    return value


def check_resource_id(value: Any, arg: str) -> str:
    """An identifier used as one path segment: no ``/``, ``..``, ``%``, spaces or controls."""
    if not isinstance(value, str):
        raise _type_error(arg, "a string", value)
    if not _RESOURCE_ID.fullmatch(value) or ".." in value:
        raise ValueError(
            f"{arg} must be an identifier of letters, digits, '-', '_', '.' or '~', "
            f"got {value[:40]!r}"
        )
    return value


def check_credential(value: Any, arg: str) -> str:
    """A non-empty credential string (never echoed)."""
    if not isinstance(value, str):
        raise _type_error(arg, "a string", value)
    if not value or _CONTROL.search(value):
        raise ValueError(f"{arg} must be a non-empty string without control characters")
    return value
