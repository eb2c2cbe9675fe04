"""Resource services: each method checks its arguments, describes a :class:`Call`, and builds
models from the JSON that comes back. Services never touch aiohttp."""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias, TypeVar

import attrs

from ._converter import structure, structure_list, unstructure_request
from ._enums import Capability, NumberType, OrderBy, SearchPattern
from ._models import (
    ActiveNumber,
    AddressValidation,
    AvailableNumber,
    CallbackConfiguration,
    EmergencyAddress,
    Page,
    Region,
    SmsConfiguration,
    VoiceConfigurationEST,
    VoiceConfigurationFAX,
    VoiceConfigurationRTC,
)
from ._pager import AsyncPager, FetchPage
from ._parallel import DIGITS, ParallelPager
from ._transport import Call, Reply, Transport
from ._unset import UNSET, Unset
from ._validation import (
    check_enum,
    check_enum_list,
    check_hmac_secret,
    check_number_pattern,
    check_phone_number,
    check_positive_int,
    check_region_code,
    check_text,
    check_url,
)
from .errors import ResponseDecodeError

__all__ = [
    "ActiveNumbersService",
    "AvailableNumbersService",
    "AvailableRegionsService",
    "CallbackConfigurationService",
]

T = TypeVar("T")

#: One capability or several; members or their string values.
Capabilities: TypeAlias = Capability | str | Iterable[Capability | str]

_VOICE_TYPES = (VoiceConfigurationRTC, VoiceConfigurationEST, VoiceConfigurationFAX)
_REQUIRED_ADDRESS_FIELDS = ("street_number", "street_info", "city", "state", "postal_code")


class _Service:
    __slots__ = ("_transport",)

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    async def _get_model(self, call: Call, model: type[T]) -> T:
        reply = await self._transport.send(call)
        return structure(reply.json(), model, http_status=reply.status, raw=reply.body)


def _number_path(collection: str, phone_number: Any, suffix: str = "") -> str:
    number = check_phone_number(phone_number)
    # '+' is percent-encoded in paths (the rest is ASCII digits); a custom method's ':' stays
    # literal.
    return f"/{collection}/%2B{number[1:]}{suffix}"


def _pattern_query(number_pattern: Any, search_pattern: Any) -> list[tuple[str, str]]:
    query: list[tuple[str, str]] = []
    if number_pattern is not None:
        query.append(("numberPattern.pattern", check_number_pattern(number_pattern)))
    if search_pattern is not None:
        if number_pattern is None:
            raise ValueError("search_pattern needs number_pattern (the digits to look for)")
        pattern = check_enum(search_pattern, SearchPattern, "search_pattern")
        query.append(("numberPattern.searchPattern", pattern.value))
    return query


def _sms_body(value: Any, arg: str = "sms_configuration") -> dict[str, Any]:
    if not isinstance(value, SmsConfiguration):
        raise TypeError(f"{arg} must be an SmsConfiguration, got {type(value).__name__}")
    if value.service_plan_id is None:
        # The spec requires servicePlanId in every SMS configuration it is sent, campaign or
        # not (an empty object is rejected too).
        raise ValueError(
            f"{arg}.service_plan_id is required, also when setting campaign_id "
            "(pass the number's current service plan, or '' to unlink)"
        )
    for name in ("service_plan_id", "campaign_id"):
        field = getattr(value, name)
        if field is not None:
            check_text(field, f"{arg}.{name}")
    body: dict[str, Any] = unstructure_request(value)
    return body


def _voice_body(value: Any, arg: str = "voice_configuration") -> dict[str, Any]:
    if not isinstance(value, _VOICE_TYPES):
        raise TypeError(
            f"{arg} must be a VoiceConfigurationRTC, VoiceConfigurationEST or "
            f"VoiceConfigurationFAX, got {type(value).__name__}"
        )
    id_name = {"RTC": "app_id", "EST": "trunk_id", "FAX": "service_id"}[value.type.value]
    ident = getattr(value, id_name)
    if ident is None:
        raise ValueError(f"{arg}.{id_name} is required for a {value.type.value} configuration")
    check_text(ident, f"{arg}.{id_name}")
    body: dict[str, Any] = unstructure_request(value)
    return body


def _config_body(
    sms_configuration: Any, voice_configuration: Any, callback_url: Any
) -> dict[str, Any]:
    """Only the configuration the caller gave: the API rejects unneeded empty objects."""
    body: dict[str, Any] = {}
    if sms_configuration is not None:
        body["smsConfiguration"] = _sms_body(sms_configuration)
    if voice_configuration is not None:
        body["voiceConfiguration"] = _voice_body(voice_configuration)
    if callback_url is not None:
        body["callbackUrl"] = check_url(callback_url, "callback_url")
    return body


def _address_body(display_name: Any, address: Any) -> dict[str, Any]:
    check_text(display_name, "display_name", allow_empty=False)
    if not isinstance(address, EmergencyAddress):
        raise TypeError(f"address must be an EmergencyAddress, got {type(address).__name__}")
    for field in attrs.fields(EmergencyAddress):
        value = getattr(address, field.name)
        if value is not None:
            check_text(value, f"address.{field.name}")
    missing = [name for name in _REQUIRED_ADDRESS_FIELDS if not getattr(address, name)]
    if missing:
        raise ValueError("address is missing required fields: " + ", ".join(missing))
    return {"displayName": display_name, "address": unstructure_request(address)}


def _by_phone_number(number: ActiveNumber) -> Any:
    return number.phone_number


def _by_display_name(number: ActiveNumber) -> Any:
    return (number.display_name or "", number.phone_number)


def _get_check(phone_number: str) -> str:
    return f"check with `await client.active_numbers.get({phone_number!r})`"


class AvailableNumbersService(_Service):
    """Search numbers to rent, and rent them (``client.available_numbers``)."""

    __slots__ = ()

    def list(
        self,
        *,
        region_code: str,
        number_type: NumberType | str,
        number_pattern: str | None = None,
        search_pattern: SearchPattern | str | None = None,
        capabilities: Capabilities | None = None,
        size: int | None = None,
    ) -> AsyncPager[AvailableNumber]:
        """Numbers available to rent in a region (one page: the search is not paginated).

        ```python
        async for number in client.available_numbers.list(
            region_code="US", number_type=NumberType.LOCAL, capabilities=[Capability.SMS], size=5
        ):
            print(number.phone_number, number.monthly_price.amount)
        ```
        """
        query: list[tuple[str, str]] = [
            ("regionCode", check_region_code(region_code)),
            ("type", check_enum(number_type, NumberType, "number_type").value),
        ]
        query += _pattern_query(number_pattern, search_pattern)
        if capabilities is not None:
            for cap in check_enum_list(capabilities, Capability, "capabilities"):
                query.append(("capabilities", cap.value))
        if size is not None:
            check_positive_int(size, "size")
        transport = self._transport

        async def fetch(_token: str | None, ask: int | None) -> Page[Any]:
            page_query = query + ([("size", str(ask))] if ask is not None else [])
            reply = await transport.send(Call("GET", "/availableNumbers", page_query))
            return Page(_list_body(reply, "availableNumbers")[1])

        return AsyncPager(fetch, build=_builder(AvailableNumber), size=size, paginated=False)

    async def get(self, phone_number: str) -> AvailableNumber:
        """One available number, with its prices; ``NotFoundError`` if it is not available."""
        path = _number_path("availableNumbers", phone_number)
        return await self._get_model(Call("GET", path), AvailableNumber)

    async def rent(
        self,
        phone_number: str,
        *,
        sms_configuration: SmsConfiguration | None = None,
        voice_configuration: (
            VoiceConfigurationRTC | VoiceConfigurationEST | VoiceConfigurationFAX | None
        ) = None,
        callback_url: str | None = None,
    ) -> ActiveNumber:
        """Rent a specific number (the API allows this for US LOCAL numbers only).

        Not retried once sent: if the outcome is unknown the error says how to check.
        """
        path = _number_path("availableNumbers", phone_number, ":rent")
        body = _config_body(sms_configuration, voice_configuration, callback_url)
        call = Call("POST", path, json=body, safe=False, check_hint=_get_check(phone_number))
        return await self._get_model(call, ActiveNumber)

    async def rent_any(
        self,
        *,
        region_code: str,
        number_type: NumberType | str,
        number_pattern: str | None = None,
        search_pattern: SearchPattern | str | None = None,
        capabilities: Capabilities | None = None,
        sms_configuration: SmsConfiguration | None = None,
        voice_configuration: (
            VoiceConfigurationRTC | VoiceConfigurationEST | VoiceConfigurationFAX | None
        ) = None,
        callback_url: str | None = None,
    ) -> ActiveNumber:
        """Rent any number matching the criteria (US LOCAL only, as the API allows)."""
        body: dict[str, Any] = {
            "regionCode": check_region_code(region_code),
            "type": check_enum(number_type, NumberType, "number_type").value,
        }
        pattern = dict(_pattern_query(number_pattern, search_pattern))
        if pattern:
            body["numberPattern"] = {
                "pattern" if key.endswith(".pattern") else "searchPattern": value
                for key, value in pattern.items()
            }
        if capabilities is not None:
            body["capabilities"] = [
                c.value for c in check_enum_list(capabilities, Capability, "capabilities")
            ]
        body.update(_config_body(sms_configuration, voice_configuration, callback_url))
        call = Call(
            "POST",
            "/availableNumbers:rentAny",
            json=body,
            safe=False,
            check_hint="list your active numbers to see whether one was rented",
        )
        return await self._get_model(call, ActiveNumber)


def _list_body(reply: Reply, key: str) -> tuple[dict[str, Any], builtins.list[Any]]:
    """A list response decoded, and its raw items (``[]`` when absent)."""
    data = reply.json()
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        raise _decode_error(
            reply, f"expected a JSON object with {key!r}, got {type(data).__name__}"
        )
    items = data.get(key)
    if items is None:
        return data, []
    if not isinstance(items, builtins.list):
        raise _decode_error(reply, f"{key!r} is not a JSON array but {type(items).__name__}")
    return data, items


def _decode_error(reply: Reply, message: str) -> ResponseDecodeError:
    return ResponseDecodeError(
        f"{reply.method} {reply.url.raw_path}: {message}",
        http_status=reply.status,
        text=reply.body.decode("utf-8", "replace"),
    )


_PEEK_MIN_BODY = 16 * 1024
_NEXT_PAGE_TOKEN = re.compile(rb'"nextPageToken"\s*:\s*"([^"\\]{1,512})"')


class _ActiveNumbersPage:
    """A ListActiveNumbersResponse as received, decoded only when the pager asks."""

    __slots__ = ("_reply",)

    def __init__(self, reply: Reply) -> None:
        self._reply = reply

    def peek_next_token(self) -> str | None:
        # A cheap look at the raw body, so the next request can go out before this page is
        # decoded. Only a guess: the pager checks it against the decoded page.
        body = self._reply.body
        if len(body) < _PEEK_MIN_BODY:
            return None  # small pages decode fast: not worth a guess
        at = body.rfind(b'"nextPageToken"')
        if at < 0:
            return None
        match = _NEXT_PAGE_TOKEN.match(body, at)
        if match is None:
            return None
        try:
            return match.group(1).decode()
        except UnicodeDecodeError:
            return None

    def parse(self) -> Page[Any]:
        data, items = _list_body(self._reply, "activeNumbers")
        next_token = data.get("nextPageToken")
        if next_token is not None and not isinstance(next_token, str):
            # Not "no more pages": ending here would drop the rest of the listing unnoticed.
            raise _decode_error(
                self._reply, f"'nextPageToken' is not a string but {type(next_token).__name__}"
            )
        total = data.get("totalSize")
        return Page(
            items,
            next_token,
            total if isinstance(total, int) and not isinstance(total, bool) else None,
        )


def _builder(model: type[T]) -> Callable[[builtins.list[Any]], builtins.list[T]]:
    def build(items: builtins.list[Any]) -> builtins.list[T]:
        return structure_list(items, model)

    return build


class ActiveNumbersService(_Service):
    """Numbers the project holds (``client.active_numbers``)."""

    __slots__ = ()

    def list(
        self,
        *,
        region_code: str | None = None,
        number_type: NumberType | str | None = None,
        number_pattern: str | None = None,
        search_pattern: SearchPattern | str | None = None,
        capabilities: Capabilities | None = None,
        order_by: OrderBy | str | None = None,
        page_size: int | None = None,
        size: int | None = None,
        page_token: str | None = None,
        prefetch: bool = True,
        parallel: int | None = None,
    ) -> AsyncPager[ActiveNumber]:
        """The project's numbers, across pages.

        ```python
        async for number in client.active_numbers.list(region_code="US", page_size=100):
            print(number.phone_number, number.display_name)
        ```

        ``prefetch=False`` waits for you to finish a page before asking for the next.

        ``parallel=N`` (1 to 10) lists large inventories faster: the query is split into ten
        disjoint streams by the number's last digit (``numberPattern`` END), fetched with up to
        N requests in flight and merged back; in ``order_by`` order when one is given, else in
        arrival order. Every number comes exactly once. It cannot be combined with
        ``number_pattern`` / ``search_pattern`` (the split uses the pattern) or ``page_token``,
        and may fetch up to one page per stream beyond ``size``.
        """
        query: list[tuple[str, str]] = []
        if region_code is not None:
            query.append(("regionCode", check_region_code(region_code)))
        if number_type is not None:
            query.append(("type", check_enum(number_type, NumberType, "number_type").value))
        query += _pattern_query(number_pattern, search_pattern)
        if capabilities is not None:
            for cap in check_enum_list(capabilities, Capability, "capabilities"):
                query.append(("capability", cap.value))
        if order_by is not None:
            query.append(("orderBy", check_enum(order_by, OrderBy, "order_by").value))
        if page_size is not None:
            check_positive_int(page_size, "page_size")
        if size is not None:
            check_positive_int(size, "size")
        if page_token is not None:
            check_text(page_token, "page_token", allow_empty=False)
        if not isinstance(prefetch, bool):
            raise TypeError(f"prefetch must be a bool, got {type(prefetch).__name__}")
        if parallel is not None:
            return self._parallel_list(
                query, parallel, order_by, page_size, size, page_token, number_pattern, prefetch
            )
        return AsyncPager(
            self._fetcher(query),
            build=_builder(ActiveNumber),
            size=size,
            page_size=page_size,
            page_token=page_token,
            prefetch=prefetch,
        )

    def _fetcher(self, query: builtins.list[tuple[str, str]]) -> FetchPage:
        transport = self._transport

        async def fetch(token: str | None, ask: int | None) -> _ActiveNumbersPage:
            page_query = list(query)
            if ask is not None:
                page_query.append(("pageSize", str(ask)))
            if token:
                page_query.append(("pageToken", token))
            return _ActiveNumbersPage(
                await transport.send(Call("GET", "/activeNumbers", page_query))
            )

        return fetch

    def _parallel_list(
        self,
        query: builtins.list[tuple[str, str]],
        parallel: Any,
        order_by: Any,
        page_size: int | None,
        size: int | None,
        page_token: str | None,
        number_pattern: str | None,
        prefetch: bool,
    ) -> AsyncPager[ActiveNumber]:
        check_positive_int(parallel, "parallel")
        if parallel > len(DIGITS):
            raise ValueError(f"parallel must be at most {len(DIGITS)} (one stream per last digit)")
        if number_pattern is not None:
            raise ValueError(
                "parallel listing splits the query by last digit with a number pattern of its "
                "own, so it cannot be combined with number_pattern / search_pattern"
            )
        if page_token is not None:
            raise ValueError("parallel listing cannot start from a page_token")
        key: Callable[[ActiveNumber], Any] | None = None
        if order_by is not None:
            if check_enum(order_by, OrderBy, "order_by") is OrderBy.PHONE_NUMBER:
                key = _by_phone_number
            else:
                key = _by_display_name

        def stream(digit: str) -> FetchPage:
            return self._fetcher(
                [*query, ("numberPattern.pattern", digit), ("numberPattern.searchPattern", "END")]
            )

        return ParallelPager(
            stream,
            build=_builder(ActiveNumber),
            parallel=parallel,
            key=key,
            size=size,
            page_size=page_size,
            prefetch=prefetch,
        )

    async def get(self, phone_number: str) -> ActiveNumber:
        """One of the project's numbers; ``NotFoundError`` if the project does not hold it."""
        return await self._get_model(
            Call("GET", _number_path("activeNumbers", phone_number)), ActiveNumber
        )

    async def update(
        self,
        phone_number: str,
        *,
        display_name: str | Unset | None = UNSET,
        sms_configuration: SmsConfiguration | Unset | None = UNSET,
        voice_configuration: (
            VoiceConfigurationRTC | VoiceConfigurationEST | VoiceConfigurationFAX | Unset | None
        ) = UNSET,
        callback_url: str | Unset | None = UNSET,
    ) -> ActiveNumber:
        """Change a number; only the arguments given are sent (``None`` is sent as null).

        To unlink SMS, pass ``SmsConfiguration(service_plan_id="")``. Provisioning is
        asynchronous: the new target shows under ``scheduled_provisioning`` until it finishes.
        """
        path = _number_path("activeNumbers", phone_number)
        body: dict[str, Any] = {}
        if display_name is not UNSET:
            body["displayName"] = (
                None if display_name is None else check_text(display_name, "display_name")
            )
        if sms_configuration is not UNSET:
            body["smsConfiguration"] = (
                None if sms_configuration is None else _sms_body(sms_configuration)
            )
        if voice_configuration is not UNSET:
            body["voiceConfiguration"] = (
                None if voice_configuration is None else _voice_body(voice_configuration)
            )
        if callback_url is not UNSET:
            body["callbackUrl"] = (
                None
                if callback_url is None
                else check_url(callback_url, "callback_url", allow_empty=True)
            )
        if not body:
            raise ValueError(
                "update needs at least one of display_name, sms_configuration, "
                "voice_configuration, callback_url"
            )
        # PATCH sends the same body again on a retry, so repeating it is harmless.
        return await self._get_model(Call("PATCH", path, json=body), ActiveNumber)

    async def release(self, phone_number: str) -> ActiveNumber:
        """Give a number back; returns it as it was released. Not retried once sent."""
        path = _number_path("activeNumbers", phone_number, ":release")
        call = Call("POST", path, safe=False, check_hint=_get_check(phone_number))
        return await self._get_model(call, ActiveNumber)

    async def get_emergency_address(self, phone_number: str) -> EmergencyAddress:
        """The emergency address registered for a number."""
        path = _number_path("activeNumbers", phone_number, "/emergencyAddress")
        return await self._get_model(Call("GET", path), EmergencyAddress)

    async def provision_emergency_address(
        self, phone_number: str, *, display_name: str, address: EmergencyAddress
    ) -> EmergencyAddress:
        """Register an emergency address for a number."""
        path = _number_path("activeNumbers", phone_number, "/emergencyAddress:provision")
        hint = f"check with `await client.active_numbers.get_emergency_address({phone_number!r})`"
        call = Call(
            "POST", path, json=_address_body(display_name, address), safe=False, check_hint=hint
        )
        return await self._get_model(call, EmergencyAddress)

    async def deprovision_emergency_address(self, phone_number: str) -> None:
        """Remove a number's emergency address."""
        path = _number_path("activeNumbers", phone_number, "/emergencyAddress:deprovision")
        hint = f"check with `await client.active_numbers.get_emergency_address({phone_number!r})`"
        await self._transport.request(Call("POST", path, safe=False, check_hint=hint))

    async def validate_emergency_address(
        self, phone_number: str, *, display_name: str, address: EmergencyAddress
    ) -> AddressValidation:
        """Check an address before provisioning it; changes nothing, so it is retried."""
        path = _number_path("activeNumbers", phone_number, "/emergencyAddress:validate")
        call = Call("POST", path, json=_address_body(display_name, address))
        return await self._get_model(call, AddressValidation)


class AvailableRegionsService(_Service):
    """Regions where numbers are offered (``client.available_regions``)."""

    __slots__ = ()

    def list(
        self, *, types: NumberType | str | Iterable[NumberType | str] | None = None
    ) -> AsyncPager[Region]:
        """Regions, optionally only those offering some number types (one page)."""
        query = (
            [("types", t.value) for t in check_enum_list(types, NumberType, "types")]
            if types is not None
            else []
        )
        transport = self._transport

        async def fetch(_token: str | None, _ask: int | None) -> Page[Any]:
            reply = await transport.send(Call("GET", "/availableRegions", query))
            return Page(_list_body(reply, "availableRegions")[1])

        return AsyncPager(fetch, build=_builder(Region), paginated=False)


class CallbackConfigurationService(_Service):
    """The project's callback settings (``client.callback_configuration``)."""

    __slots__ = ()

    async def get(self) -> CallbackConfiguration:
        """The callback configuration (its ``hmac_secret`` is hidden from ``repr``)."""
        return await self._get_model(Call("GET", "/callbackConfiguration"), CallbackConfiguration)

    async def update(self, *, hmac_secret: str) -> CallbackConfiguration:
        """Set the secret that signs callback events: 32-64 letters, digits or ``-``."""
        body = {"hmacSecret": check_hmac_secret(hmac_secret)}
        return await self._get_model(
            Call("PATCH", "/callbackConfiguration", json=body), CallbackConfiguration
        )
