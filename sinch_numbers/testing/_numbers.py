"""Handlers for the 15 Numbers operations that are not Number Orders (rows 1-15 of the
numbers-api facts): available numbers, active numbers, regions, callback configuration and
emergency addresses.

The emulator is deliberately a little stricter than the real service where that catches
client bugs without rejecting anything Sinch accepts: unknown query parameters and unknown
body fields are 400, as are malformed enum values, `+` sent unencoded in a query (it arrives
as a space) and empty configuration objects.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Mapping
from typing import Any, Final

from aiohttp import web

from ._routes import RequestContext, Router
from ._state import ActiveNumber, ListQuery, matches_pattern
from ._wire import (
    CAPABILITIES,
    NUMBER_TYPES,
    SEARCH_PATTERNS,
    VOICE_ID_FIELDS,
    invalid_argument,
    json_response,
    not_found,
    parse_enum,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_SEARCH_SIZE",
    "MAX_PAGE_SIZE",
    "MAX_SEARCH_SIZE",
    "register",
]

#: activeNumbers: page size when `pageSize` is absent or 0, and the most one page holds
#: (larger requests are clamped, as Google-style APIs do).
DEFAULT_PAGE_SIZE: Final = 100
MAX_PAGE_SIZE: Final = 1000
#: availableNumbers search: results when `size` is absent or 0, and the most it returns.
DEFAULT_SEARCH_SIZE: Final = 100
MAX_SEARCH_SIZE: Final = 1000

_P: Final = "/v1/projects/{projectId}"
_HMAC_SECRET: Final = re.compile(r"[a-zA-Z0-9-]{32,64}")
_PATTERN: Final = re.compile(r"\+?[0-9]{1,15}")
_ADDRESS_REQUIRED: Final = ("streetNumber", "streetInfo", "city", "state", "postalCode")
_ADDRESS_FIELDS: Final = (
    *_ADDRESS_REQUIRED[:2],
    "location",
    *_ADDRESS_REQUIRED[2:],
    "postalCodePlusFour",
)
_STREET_ABBREVIATIONS: Final = {
    "street": "St",
    "avenue": "Ave",
    "road": "Rd",
    "boulevard": "Blvd",
    "drive": "Dr",
    "lane": "Ln",
    "court": "Ct",
    "place": "Pl",
}


# -- query and body parsing -------------------------------------------------------------


def _check_query(
    ctx: RequestContext, allowed: Collection[str], repeated: Collection[str] = ()
) -> None:
    seen: set[str] = set()
    for key in ctx.query:
        if key not in allowed:
            raise invalid_argument(
                f'unknown query parameter "{key}"', (key, "not a parameter of this operation")
            )
        if key in seen and key not in repeated:
            raise invalid_argument(
                f'parsing field "{key}": repeated value for a single-valued parameter',
                (key, "must be given at most once"),
            )
        seen.add(key)


def _query_str(ctx: RequestContext, name: str) -> str | None:
    value = ctx.query.get(name)
    return value if value else None


def _query_int(ctx: RequestContext, name: str) -> int | None:
    raw = ctx.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not -(2**31) <= value < 2**31:
        raise invalid_argument(
            f'parsing field "{name}": "{raw}" is not a valid int32', (name, "must be an integer")
        )
    if value < 0:
        raise invalid_argument(f'"{name}" must not be negative', (name, "must be >= 0"))
    return value


def _query_enum(ctx: RequestContext, name: str, allowed: Collection[str]) -> str | None:
    value = _query_str(ctx, name)
    return parse_enum(name, value, allowed) if value is not None else None


def _query_enums(ctx: RequestContext, name: str, allowed: Collection[str]) -> frozenset[str]:
    return frozenset(parse_enum(name, v, allowed) for v in ctx.query.getall(name, ()) if v)


def _pattern(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if not _PATTERN.fullmatch(value):
        hint = (
            " (a leading + must be percent-encoded as %2B in the query)"
            if value.startswith(" ")
            else ""
        )
        raise invalid_argument(
            f'parsing field "{field}": "{value}" is not a valid number pattern{hint}',
            (field, "digits, optionally with a leading +"),
        )
    return value


def _check_fields(
    obj: Mapping[str, Any],
    allowed: Collection[str],
    where: str = "",
    read_only: Collection[str] = (),
) -> None:
    for key in obj:
        if key not in allowed and key not in read_only:
            name = f"{where}.{key}" if where else key
            raise invalid_argument(f'unknown field "{name}"', (name, "unknown field"))


def _string(obj: Mapping[str, Any], key: str, where: str = "") -> str | None:
    """A string member (None when absent or null); 400 for any other JSON type."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    name = f"{where}.{key}" if where else key
    raise invalid_argument(f'parsing field "{name}": expected a string', (name, "must be a string"))


def _object(obj: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise invalid_argument(f'parsing field "{key}": expected an object', (key, "must be an object"))


def _require(obj: Mapping[str, Any], keys: Collection[str], where: str = "") -> None:
    missing = [k for k in keys if obj.get(k) in (None, "")]
    if missing:
        names = [f"{where}.{k}" if where else k for k in missing]
        raise invalid_argument(
            f"missing required field(s): {', '.join(names)}",
            *((n, "required field is missing") for n in names),
        )


def _sms_change(value: Any, number: ActiveNumber | None) -> tuple[str, str] | None:
    """The target (servicePlanId, campaignId) an smsConfiguration asks for, or None if it
    asks for nothing (absent)."""
    if value is None:
        return ("", "")  # explicit null clears the link
    if not isinstance(value, dict):
        raise invalid_argument(
            'parsing field "smsConfiguration": expected an object',
            ("smsConfiguration", "must be an object"),
        )
    _check_fields(
        value, ("servicePlanId", "campaignId"), "smsConfiguration", ("scheduledProvisioning",)
    )
    plan = _string(value, "servicePlanId", "smsConfiguration")
    campaign = _string(value, "campaignId", "smsConfiguration")
    if "servicePlanId" not in value and "campaignId" not in value:
        raise invalid_argument(
            "smsConfiguration must not be empty: send it only to change servicePlanId/campaignId",
            ("smsConfiguration", "empty configuration object"),
        )
    if number is None:
        base_plan, base_campaign = "", ""
    elif number.scheduled_sms is not None:
        base_plan = number.scheduled_sms.service_plan_id
        base_campaign = number.scheduled_sms.campaign_id
    else:
        base_plan, base_campaign = number.service_plan_id, number.campaign_id
    target_plan = plan if "servicePlanId" in value else base_plan
    target_plan = target_plan or ""
    if "campaignId" in value:
        target_campaign = campaign or ""
    else:
        target_campaign = base_campaign if target_plan == base_plan else ""
    return (target_plan, target_campaign)


def _voice_change(value: Any, number: ActiveNumber | None) -> tuple[str, str]:
    """The target (type, id) a voiceConfiguration asks for."""
    if value is None:
        return (number.voice_type if number else "RTC", "")
    if not isinstance(value, dict):
        raise invalid_argument(
            'parsing field "voiceConfiguration": expected an object',
            ("voiceConfiguration", "must be an object"),
        )
    writable = ("type", *VOICE_ID_FIELDS.values())
    _check_fields(
        value, writable, "voiceConfiguration", ("lastUpdatedTime", "scheduledVoiceProvisioning")
    )
    if not any(k in value for k in writable):
        raise invalid_argument(
            "voiceConfiguration must not be empty: send type and appId, trunkId or serviceId",
            ("voiceConfiguration", "empty configuration object"),
        )
    raw_type = _string(value, "type", "voiceConfiguration")
    voice_type = (
        parse_enum("voiceConfiguration.type", raw_type, VOICE_ID_FIELDS) if raw_type else "RTC"
    )
    id_field = VOICE_ID_FIELDS[voice_type]
    for other_type, other_field in VOICE_ID_FIELDS.items():
        if other_type != voice_type and _string(value, other_field, "voiceConfiguration"):
            raise invalid_argument(
                f'field "voiceConfiguration.{other_field}" belongs to type {other_type}, '
                f"not {voice_type}",
                (f"voiceConfiguration.{other_field}", f"not valid for type {voice_type}"),
            )
    return (voice_type, _string(value, id_field, "voiceConfiguration") or "")


def _apply_configuration(
    ctx: RequestContext,
    number: ActiveNumber,
    body: Mapping[str, Any],
    sms: tuple[str, str] | None,
    voice: tuple[str, str] | None,
) -> None:
    state = ctx.state
    if "callbackUrl" in body:
        number.callback_url = _string(body, "callbackUrl") or ""
    if sms is not None:
        state.schedule_sms(number, *sms)
    if voice is not None:
        state.schedule_voice(number, *voice)


def _parse_configuration(
    body: Mapping[str, Any], number: ActiveNumber | None
) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """Validate smsConfiguration/voiceConfiguration/callbackUrl before anything changes."""
    _string(body, "callbackUrl")
    sms = _sms_change(body["smsConfiguration"], number) if "smsConfiguration" in body else None
    voice = (
        _voice_change(body["voiceConfiguration"], number) if "voiceConfiguration" in body else None
    )
    return sms, voice


def _active(ctx: RequestContext) -> ActiveNumber:
    phone = ctx.phone_number()
    number = ctx.state.numbers.get(phone)
    if number is None:
        raise not_found(
            "ActiveNumber", phone, f"Number {phone} is not an active number of the project"
        )
    return number


# -- available numbers -------------------------------------------------------------------


async def list_available_numbers(ctx: RequestContext) -> web.StreamResponse:
    """GET availableNumbers: search one region and type (single page, `size` caps it)."""
    _check_query(
        ctx,
        ("regionCode", "type", "numberPattern.pattern", "numberPattern.searchPattern",
         "capabilities", "size"),
        ("capabilities",),
    )  # fmt: skip
    region_code = _query_str(ctx, "regionCode") or ""
    raw_type = _query_str(ctx, "type") or ""
    missing = [n for n, v in (("regionCode", region_code), ("type", raw_type)) if not v]
    if missing:
        raise invalid_argument(
            f"missing required parameter(s): {', '.join(missing)}",
            *((n, "required parameter is missing") for n in missing),
        )
    number_type = parse_enum("type", raw_type, NUMBER_TYPES)
    pattern = _pattern(_query_str(ctx, "numberPattern.pattern"), "numberPattern.pattern")
    search = _query_enum(ctx, "numberPattern.searchPattern", SEARCH_PATTERNS) or "CONTAINS"
    capabilities = _query_enums(ctx, "capabilities", CAPABILITIES)
    size = _query_int(ctx, "size") or DEFAULT_SEARCH_SIZE
    size = min(size, MAX_SEARCH_SIZE)
    pool = ctx.state.inventory.pool(region_code, number_type)
    found: list[dict[str, Any]] = []
    if pool is not None:
        cc = pool.region.calling_code
        for number in pool:
            if capabilities and not capabilities.issubset(number.capability):
                continue
            if pattern and not matches_pattern(number.phone_number, cc, pattern, search):
                continue
            found.append(number.to_json())
            if len(found) >= size:
                break
    return json_response({"availableNumbers": found}, prune=False)


async def get_available_number(ctx: RequestContext) -> web.StreamResponse:
    """GET availableNumbers/{phoneNumber}: one number that can be rented."""
    _check_query(ctx, ())
    phone = ctx.phone_number()
    number = ctx.state.inventory.get(phone)
    if number is None:
        raise not_found("AvailableNumber", phone, f"Number {phone} is not available")
    return json_response(number.to_json(), prune=False)


def _rent_only_us_local(region_code: str, number_type: str) -> None:
    if (region_code, number_type) != ("US", "LOCAL"):
        raise invalid_argument(
            f"renting {region_code} {number_type} numbers is not supported by this deprecated "
            "operation: only US LOCAL numbers can be rented here; use the Number Order API",
            ("regionCode", "only US LOCAL numbers are supported"),
        )


async def rent_number(ctx: RequestContext) -> web.StreamResponse:
    """POST availableNumbers/{phoneNumber}:rent (deprecated; US LOCAL only)."""
    _check_query(ctx, ())
    phone = ctx.phone_number()
    body = ctx.json_body() or {}
    _check_fields(body, ("smsConfiguration", "voiceConfiguration", "callbackUrl"))
    sms, voice = _parse_configuration(body, None)
    state = ctx.state
    available = state.inventory.get(phone)
    if available is None:
        raise not_found("AvailableNumber", phone, f"Number {phone} is not available")
    _rent_only_us_local(available.region.code, available.spec.number_type)
    number = state.rent(available)
    _apply_configuration(ctx, number, body, sms, voice)
    return json_response(number.to_json(), prune=False)


async def rent_any_number(ctx: RequestContext) -> web.StreamResponse:
    """POST availableNumbers:rentAny (deprecated; regionCode=US and type=LOCAL only)."""
    _check_query(ctx, ())
    body = ctx.json_body(required=True) or {}
    _check_fields(
        body,
        ("regionCode", "type", "numberPattern", "capabilities", "smsConfiguration",
         "voiceConfiguration", "callbackUrl"),
    )  # fmt: skip
    region_code = _string(body, "regionCode") or ""
    raw_type = _string(body, "type") or ""
    _require(body, ("regionCode", "type"))
    number_type = parse_enum("type", raw_type, NUMBER_TYPES)
    pattern_obj = _object(body, "numberPattern") or {}
    _check_fields(pattern_obj, ("pattern", "searchPattern"), "numberPattern")
    pattern = _pattern(
        _string(pattern_obj, "pattern", "numberPattern") or None, "numberPattern.pattern"
    )
    raw_search = _string(pattern_obj, "searchPattern", "numberPattern")
    search = (
        parse_enum("numberPattern.searchPattern", raw_search, SEARCH_PATTERNS)
        if raw_search
        else "CONTAINS"
    )
    raw_caps = body.get("capabilities") or []
    if not isinstance(raw_caps, list) or not all(isinstance(c, str) for c in raw_caps):
        raise invalid_argument(
            'parsing field "capabilities": expected an array of strings',
            ("capabilities", "must be an array"),
        )
    capabilities = frozenset(parse_enum("capabilities", c, CAPABILITIES) for c in raw_caps)
    sms, voice = _parse_configuration(body, None)
    _rent_only_us_local(region_code, number_type)
    state = ctx.state
    pool = state.inventory.pool(region_code, number_type)
    chosen = None
    if pool is not None:
        for candidate in pool:
            if capabilities and not capabilities.issubset(candidate.capability):
                continue
            if pattern and not matches_pattern(
                candidate.phone_number, pool.region.calling_code, pattern, search
            ):
                continue
            chosen = candidate
            break
    if chosen is None:
        raise not_found("AvailableNumber", "", "No available number matches the criteria")
    number = state.rent(chosen)
    _apply_configuration(ctx, number, body, sms, voice)
    return json_response(number.to_json(), prune=False)


# -- active numbers ----------------------------------------------------------------------


async def list_active_numbers(ctx: RequestContext) -> web.StreamResponse:
    """GET activeNumbers: filtered, ordered, token-paginated listing."""
    _check_query(
        ctx,
        ("regionCode", "type", "numberPattern.pattern", "numberPattern.searchPattern",
         "capability", "pageSize", "pageToken", "orderBy"),
        ("capability",),
    )  # fmt: skip
    query = ListQuery(
        region_code=_query_str(ctx, "regionCode"),
        number_type=_query_enum(ctx, "type", NUMBER_TYPES),
        pattern=_pattern(_query_str(ctx, "numberPattern.pattern"), "numberPattern.pattern"),
        search_pattern=_query_enum(ctx, "numberPattern.searchPattern", SEARCH_PATTERNS)
        or "CONTAINS",
        capabilities=_query_enums(ctx, "capability", CAPABILITIES),
        order_by=_query_enum(ctx, "orderBy", ("phoneNumber", "displayName")) or "phoneNumber",
    )
    page_size = min(_query_int(ctx, "pageSize") or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    token = _query_str(ctx, "pageToken")
    state = ctx.state
    keys = state.numbers.keys(query)
    start = bisect.bisect_right(keys, state.decode_page_token(query, token)) if token else 0
    page = keys[start : start + page_size]
    next_token = ""
    if page and start + len(page) < len(keys):
        next_token = state.encode_page_token(query, page[-1])
    number_for_key = state.numbers.number_for_key
    return json_response(
        {
            "activeNumbers": [number_for_key(k).to_json() for k in page],
            "nextPageToken": next_token,
            "totalSize": len(keys),
        },
        prune=False,
    )


async def get_active_number(ctx: RequestContext) -> web.StreamResponse:
    """GET activeNumbers/{phoneNumber}."""
    _check_query(ctx, ())
    return json_response(_active(ctx).to_json(), prune=False)


async def update_active_number(ctx: RequestContext) -> web.StreamResponse:
    """PATCH activeNumbers/{phoneNumber}: partial update by presence; null clears."""
    _check_query(ctx, ())
    number = _active(ctx)
    body = ctx.json_body() or {}
    _check_fields(body, ("displayName", "smsConfiguration", "voiceConfiguration", "callbackUrl"))
    display_name = _string(body, "displayName")
    sms, voice = _parse_configuration(body, number)
    if sms is not None:
        # Checked before anything changes so that a failing PATCH leaves the number untouched.
        ctx.state.check_sms_change(number, sms[0])
    if "displayName" in body:
        ctx.state.numbers.rename(number, display_name or "")
    _apply_configuration(ctx, number, body, sms, voice)
    return json_response(number.to_json(), prune=False)


async def release_number(ctx: RequestContext) -> web.StreamResponse:
    """POST activeNumbers/{phoneNumber}:release: the number goes back on sale."""
    _check_query(ctx, ())
    number = _active(ctx)
    ctx.state.release(number.phone_number)
    return json_response(number.to_json(), prune=False)


# -- regions and callback configuration --------------------------------------------------


async def list_available_regions(ctx: RequestContext) -> web.StreamResponse:
    """GET availableRegions: regions selling any of `types` (all regions without it)."""
    _check_query(ctx, ("types",), ("types",))
    wanted = _query_enums(ctx, "types", NUMBER_TYPES)
    regions = []
    for region in ctx.state.inventory.regions():
        types = [t.number_type for t in region.types]
        if wanted and wanted.isdisjoint(types):
            continue
        regions.append({"regionCode": region.code, "regionName": region.name, "types": types})
    return json_response({"availableRegions": regions}, prune=False)


def _callback_configuration(ctx: RequestContext) -> dict[str, Any]:
    return {"projectId": ctx.state.project_id, "hmacSecret": ctx.state.hmac_secret or ""}


async def get_callback_configuration(ctx: RequestContext) -> web.StreamResponse:
    """GET callbackConfiguration."""
    _check_query(ctx, ())
    return json_response(_callback_configuration(ctx))


async def update_callback_configuration(ctx: RequestContext) -> web.StreamResponse:
    """PATCH callbackConfiguration: set the HMAC secret that signs callbacks."""
    _check_query(ctx, ())
    body = ctx.json_body() or {}
    _check_fields(body, ("hmacSecret",))
    secret = _string(body, "hmacSecret")
    if secret is not None:
        if not _HMAC_SECRET.fullmatch(secret):
            raise invalid_argument(
                "hmacSecret must be 32 to 64 characters of letters, digits and '-'",
                ("hmacSecret", "must match ^[a-zA-Z0-9-]{32,64}$"),
            )
        ctx.state.hmac_secret = secret
    return json_response(_callback_configuration(ctx))


# -- emergency addresses -----------------------------------------------------------------


def _address_request(ctx: RequestContext) -> tuple[str, dict[str, str]]:
    body = ctx.json_body(required=True) or {}
    _check_fields(body, ("displayName", "address"))
    display_name = _string(body, "displayName") or ""
    address = _object(body, "address") or {}
    missing = [n for n, v in (("displayName", display_name), ("address", address)) if not v]
    if missing:
        raise invalid_argument(
            f"missing required field(s): {', '.join(missing)}",
            *((n, "required field is missing") for n in missing),
        )
    _check_fields(address, _ADDRESS_FIELDS, "address")
    clean = {k: _string(address, k, "address") for k in _ADDRESS_FIELDS}
    _require(clean, _ADDRESS_REQUIRED, "address")
    return display_name, {k: v for k, v in clean.items() if v is not None}


async def get_emergency_address(ctx: RequestContext) -> web.StreamResponse:
    """GET .../emergencyAddress: the provisioned address, or 404."""
    _check_query(ctx, ())
    number = _active(ctx)
    if number.emergency_address is None:
        raise not_found(
            "EmergencyAddress",
            number.phone_number,
            f"No emergency address is provisioned for {number.phone_number}",
        )
    return json_response(number.emergency_address)


async def provision_emergency_address(ctx: RequestContext) -> web.StreamResponse:
    """POST .../emergencyAddress:provision: store the address."""
    _check_query(ctx, ())
    number = _active(ctx)
    _, address = _address_request(ctx)
    number.emergency_address = address
    return json_response(address)


async def deprovision_emergency_address(ctx: RequestContext) -> web.StreamResponse:
    """POST .../emergencyAddress:deprovision: forget the address; empty 200."""
    _check_query(ctx, ())
    number = _active(ctx)
    number.emergency_address = None
    return web.Response(status=200)


def _normalize_address(address: Mapping[str, str]) -> dict[str, str]:
    out = {k: " ".join(v.split()) for k, v in address.items()}
    words = out["streetInfo"].split(" ")
    out["streetInfo"] = " ".join(_STREET_ABBREVIATIONS.get(w.lower(), w) for w in words)
    out["city"] = out["city"].title()
    out["state"] = out["state"].upper()
    return out


async def validate_emergency_address(ctx: RequestContext) -> web.StreamResponse:
    """POST .../emergencyAddress:validate: deterministic verdict from the input.

    NO_MATCH when the postal code is not 5 digits, the state not 2 letters or the street
    number has no digit (with two candidate addresses derived from the input); NEAR_MATCH
    when normalising changes something (long street suffixes such as "Street" -> "St",
    letter case of city/state, extra spaces); EXACT_MATCH otherwise.
    """
    _check_query(ctx, ())
    number = _active(ctx)
    display_name, address = _address_request(ctx)
    result: dict[str, Any] = {
        "phoneNumber": number.phone_number,
        "displayName": display_name,
        "validatedAddress": address,
    }
    normalized = _normalize_address(address)
    plausible = (
        re.fullmatch(r"[0-9]{5}", normalized["postalCode"]) is not None
        and re.fullmatch(r"[A-Z]{2}", normalized["state"]) is not None
        and any(c.isdigit() for c in normalized["streetNumber"])
    )
    if not plausible:
        digits = "".join(c for c in normalized["postalCode"] if c.isdigit())
        zip5 = (digits + "00000")[:5] if digits else "10001"
        street_digits = "".join(c for c in normalized["streetNumber"] if c.isdigit()) or "1"
        state_code = ("".join(c for c in normalized["state"] if c.isalpha()) + "NY")[:2]
        first = {
            **normalized,
            "streetNumber": street_digits,
            "state": state_code,
            "postalCode": zip5,
        }
        second = {
            **first,
            "streetNumber": str(int(street_digits) + 2),
            "postalCode": zip5[:4] + str((int(zip5[4]) + 1) % 10),
        }
        result |= {
            "validationResult": "NO_MATCH",
            "validationMessage": "Address doesn't match any known address",
            "correctedAddress": {},
            "candidateAddresses": [first, second],
        }
    elif normalized != address:
        result |= {
            "validationResult": "NEAR_MATCH",
            "validationMessage": "Address is a near match",
            "correctedAddress": normalized,
            "candidateAddresses": [],
        }
    else:
        result |= {
            "validationResult": "EXACT_MATCH",
            "validationMessage": "Address is a perfect match",
            "correctedAddress": {},
            "candidateAddresses": [],
        }
    return json_response(result)


#: (method, path under /v1/projects/{projectId}, handler, operationId)
_OPERATIONS: Final = (
    ("GET", "/availableNumbers", list_available_numbers, "NumberService_ListAvailableNumbers"),
    ("POST", "/availableNumbers:rentAny", rent_any_number, "NumberService_RentAnyNumber"),
    ("GET", "/availableNumbers/{phoneNumber}", get_available_number,
     "NumberService_GetAvailableNumber"),
    ("POST", "/availableNumbers/{phoneNumber}:rent", rent_number, "NumberService_RentNumber"),
    ("GET", "/activeNumbers", list_active_numbers, "NumberService_ListActiveNumbers"),
    ("GET", "/activeNumbers/{phoneNumber}", get_active_number, "NumberService_GetActiveNumber"),
    ("PATCH", "/activeNumbers/{phoneNumber}", update_active_number,
     "NumberService_UpdateActiveNumber"),
    ("POST", "/activeNumbers/{phoneNumber}:release", release_number,
     "NumberService_ReleaseNumber"),
    ("GET", "/availableRegions", list_available_regions, "NumberService_ListAvailableRegions"),
    ("GET", "/callbackConfiguration", get_callback_configuration, "GetCallbackConfiguration"),
    ("PATCH", "/callbackConfiguration", update_callback_configuration,
     "UpdateCallbackConfiguration"),
    ("GET", "/activeNumbers/{phoneNumber}/emergencyAddress", get_emergency_address,
     "NumberService_GetEmergencyAddress"),
    ("POST", "/activeNumbers/{phoneNumber}/emergencyAddress:provision",
     provision_emergency_address, "NumberService_ProvisionEmergencyAddress"),
    ("POST", "/activeNumbers/{phoneNumber}/emergencyAddress:deprovision",
     deprovision_emergency_address, "NumberService_DeprovisionEmergencyAddress"),
    ("POST", "/activeNumbers/{phoneNumber}/emergencyAddress:validate",
     validate_emergency_address, "NumberService_ValidateEmergencyAddress"),
)  # fmt: skip


def register(router: Router) -> None:
    """Add the operations of this module to `router`."""
    for method, path, handler, operation in _OPERATIONS:
        router.add(method, _P + path, handler, operation=operation)
