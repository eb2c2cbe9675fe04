"""Number Orders (the KYC flow, rows 16-21 of the Numbers facts) in the emulator.

Behaviour:

* Requirements: every region asks for ``businessName`` in ``requestDetails``; a region and
  type whose numbers need documentation (``supportingDocumentationRequired``) also ask for
  ``businessAddress`` and ``contactEmail`` and for a mandatory proof-of-address upload
  (attachment id ``proof-of-address``) plus an optional ``business-registration`` one.
* Create reserves numbers from the available inventory (they leave the search results) and
  answers ``CREATED`` with prices and an ``expireTime``; an order not submitted within
  ``order_lifetime`` seconds becomes ``EXPIRED`` and its numbers go back on sale.
* Submit moves the order to ``IN_REVIEW``; after ``review_delay`` seconds it becomes
  ``COMPLETED`` (the numbers become active numbers, with the order's SMS/voice configuration
  and callback URL), or ``REJECTED`` when a mandatory attachment or required field is missing.
  ``requestDetails.emulatorOutcome`` set to ``"REJECTED"``, ``"BLOCKED"`` or ``"COMPLETED"``
  forces the outcome.
* Each state change after create sends a ``NUMBER_ORDER_PROCESSING`` callback to the order's
  ``callbackUrl``.
* Uploads above ``max_attachment_size`` bytes get 413 ``CONTENT_TOO_LARGE``.

Tests reach the knobs and the stored uploads through :func:`number_orders`::

    desk = number_orders(emu)
    desk.review_delay = 0.05
    ...
    [upload] = desk.attachments(order_id)
    assert upload.data == b"%PDF..."
"""

from __future__ import annotations

import asyncio
import email.message
import email.parser
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from ._inventory import AvailableNumber, Inventory, NumberPool, TypeSpec
from ._numbers import _check_fields, _check_query, _object, _pattern, _require, _string
from ._routes import RequestContext, Router
from ._state import matches_pattern
from ._wire import (
    CAPABILITIES,
    E164,
    NUMBER_TYPES,
    SEARCH_PATTERNS,
    VOICE_ID_FIELDS,
    ApiError,
    format_callback_timestamp,
    format_timestamp,
    invalid_argument,
    json_response,
    not_found,
    parse_enum,
    prune_nulls,
)

if TYPE_CHECKING:
    from ._emulator import NumbersEmulator
    from ._state import EmulatorState

__all__ = [
    "DEFAULT_MAX_ATTACHMENT_SIZE",
    "DEFAULT_ORDER_LIFETIME",
    "DEFAULT_REVIEW_DELAY",
    "EmulatedOrder",
    "NumberOrderDesk",
    "OUTCOME_FIELD",
    "StoredAttachment",
    "number_orders",
    "register",
    "requirements_json",
]

#: Seconds an order keeps its numbers reserved before it expires (the API says 30 min-48 h).
DEFAULT_ORDER_LIFETIME: Final = 1800.0
#: Seconds a submitted order stays IN_REVIEW.
DEFAULT_REVIEW_DELAY: Final = 0.5
#: Largest accepted upload, in bytes (Sinch does not document its limit).
DEFAULT_MAX_ATTACHMENT_SIZE: Final = 10 * 1024 * 1024
#: ``requestDetails`` member that forces the review outcome (REJECTED, BLOCKED, COMPLETED).
OUTCOME_FIELD: Final = "emulatorOutcome"

_P: Final = "/v1/projects/{projectId}"
_ORDER: Final = f"{_P}/numberOrders/{{numberOrderId}}"
_MAX_QUANTITY: Final = 100
_OUTCOMES: Final = ("COMPLETED", "REJECTED", "BLOCKED")
_DOCUMENT_MIME_TYPES: Final = ("application/pdf", "image/jpeg", "image/png")


@dataclass(slots=True)
class StoredAttachment:
    """An upload as the emulator received it."""

    attachment_id: str
    file_name: str
    mime_type: str
    document_type: str | None
    data: bytes
    create_time: str
    update_time: str

    def to_json(self) -> dict[str, Any]:
        """The Attachment wire object (no ``documentType`` when none was given)."""
        data = {
            "attachmentId": self.attachment_id,
            "fileName": self.file_name,
            "mimeType": self.mime_type,
            "createTime": self.create_time,
            "updateTime": self.update_time,
            "uploadStatus": "COMPLETED",
        }
        if self.document_type is not None:
            data["documentType"] = self.document_type
        return data


@dataclass(slots=True, eq=False)
class EmulatedOrder:
    """One number order and everything attached to it."""

    order_id: str
    project_id: str
    region_code: str
    number_type: str
    numbers: list[AvailableNumber]
    sms_configuration: dict[str, Any] | None
    voice_configuration: dict[str, Any] | None
    callback_url: str
    create_time: str
    expire_at: datetime
    state: str = "CREATED"
    update_time: str = ""
    request_details: dict[str, Any] = field(default_factory=dict)
    attachments: dict[str, StoredAttachment] = field(default_factory=dict)
    logs: list[dict[str, str]] = field(default_factory=list)
    timer: asyncio.Task[None] | None = None

    def to_json(self) -> dict[str, Any]:
        """The NumberOrder wire object."""
        data: dict[str, Any] = {
            "projectId": self.project_id,
            "idNumberOrder": self.order_id,
            "regionCode": self.region_code,
            "state": self.state,
            "numberType": self.number_type,
            "orderNumbers": [_order_number(n) for n in self.numbers],
            "smsConfiguration": self.sms_configuration,
            "voiceConfiguration": self.voice_configuration,
            "expireTime": format_timestamp(self.expire_at) if self.state == "CREATED" else None,
            "createTime": self.create_time,
            "updateTime": self.update_time or self.create_time,
        }
        result: dict[str, Any] = prune_nulls(data)
        return result

    def registration_json(self) -> dict[str, Any]:
        """The Registration wire object."""
        return {
            "requestDetails": self.request_details,
            "attachments": [a.to_json() for a in self.attachments.values()],
            "logs": list(self.logs),
        }


def _order_number(number: AvailableNumber) -> dict[str, Any]:
    spec = number.spec
    return {
        "phoneNumber": number.phone_number,
        "numberPrice": {
            "setupPrice": {"currencyCode": spec.currency, "amount": spec.setup_price},
            "monthlyPrice": {"currencyCode": spec.currency, "amount": spec.monthly_price},
            "paymentIntervalMonths": spec.payment_interval_months,
        },
        "capabilities": list(number.capability),
    }


@dataclass(slots=True)
class NumberOrderDesk:
    """The emulator's number orders, and the knobs of their lifecycle.

    Change the knobs at any time; a new value applies to orders created or submitted after.
    """

    order_lifetime: float = DEFAULT_ORDER_LIFETIME
    review_delay: float = DEFAULT_REVIEW_DELAY
    max_attachment_size: int = DEFAULT_MAX_ATTACHMENT_SIZE
    orders: dict[str, EmulatedOrder] = field(default_factory=dict)

    def order(self, order_id: str) -> EmulatedOrder:
        """The order with this id (``KeyError`` if unknown)."""
        return self.orders[order_id]

    def attachments(self, order_id: str) -> list[StoredAttachment]:
        """What was uploaded to an order, in upload order (a re-upload replaces its slot)."""
        return list(self.orders[order_id].attachments.values())

    def get(self, order_id: str) -> EmulatedOrder:
        """The order, or 404."""
        order = self.orders.get(order_id)
        if order is None:
            raise not_found("NumberOrder", order_id, f"Number order {order_id} not found")
        return order


def number_orders(emulator: NumbersEmulator) -> NumberOrderDesk:
    """The number-order desk of a running (or not yet started) emulator."""
    return _desk(emulator.state)


def _desk(state: EmulatorState) -> NumberOrderDesk:
    return state.extension("orders", NumberOrderDesk)


def register(router: Router) -> None:
    """Add the Number Order operations to the emulator's router."""
    add = router.add
    add(
        "POST",
        f"{_P}/numberOrders:lookupNumberRequirements",
        lookup_number_requirements,
        operation="LookupNumberRequirements",
    )
    add(
        "POST",
        f"{_P}/numberOrders:createNumberOrder",
        create_number_order,
        operation="CreateNumberOrder",
    )
    add("GET", _ORDER, get_number_order, operation="GetNumberOrder")
    add(
        "PUT",
        f"{_ORDER}/registration",
        update_registration,
        operation="UpdateNumberOrderRegistration",
    )
    add("GET", f"{_ORDER}/registration", get_registration, operation="GetNumberOrderRegistration")
    add(
        "POST",
        f"{_ORDER}/attachments/{{attachmentId}}",
        upload_attachment,
        operation="UploadNumberOrderAttachment",
    )
    add("POST", f"{_ORDER}/submit", submit_number_order, operation="SubmitNumberOrder")  # fmt: skip


# -- requirements --------------------------------------------------------------------------


def _required_fields(spec: TypeSpec) -> list[str]:
    if spec.documentation_required:
        return ["businessName", "businessAddress", "contactEmail"]
    return ["businessName"]


def _required_attachments(region_code: str, spec: TypeSpec) -> list[dict[str, Any]]:
    if not spec.documentation_required:
        return []
    where = f"{region_code} {spec.number_type}"
    return [
        {
            "id": "proof-of-address",
            "title": "Proof of address",
            "description": f"A recent utility bill or bank statement for {where} numbers",
            "mandatory": True,
            "template": [
                {
                    "name": "address-declaration.pdf",
                    "url": "https://emulator.invalid/templates/address-declaration.pdf",
                }
            ],
            "allowedMimeTypes": list(_DOCUMENT_MIME_TYPES),
            "allowedDocumentTypes": ["Utility bill", "Bank statement"],
        },
        {
            "id": "business-registration",
            "title": "Business registration",
            "description": "Certificate of incorporation, if the business has one",
            "mandatory": False,
            "template": [],
            "allowedMimeTypes": [],
            "allowedDocumentTypes": [],
        },
    ]


def requirements_json(region_code: str, number_type: str) -> dict[str, Any]:
    """The NumberRequirements the emulator answers for a region and type (``KeyError`` if the
    emulator sells no such numbers)."""
    region = Inventory.region(region_code)
    spec = region.type_spec(number_type) if region else None
    if spec is None:
        raise KeyError((region_code, number_type))
    return _requirements(region_code, spec)


def _requirements(region_code: str, spec: TypeSpec) -> dict[str, Any]:
    properties = {
        "businessName": {"type": "string", "maxLength": 100},
        "businessAddress": {"type": "string", "maxLength": 200},
        "contactEmail": {"type": "string", "format": "email"},
        "website": {"type": "string", "format": "uri"},
    }
    return {
        "fields": {
            "schema": "/schema/policySchema-v1.json",
            "type": "object",
            "required": _required_fields(spec),
            "properties": properties,
        },
        "attachments": _required_attachments(region_code, spec),
    }


def _region_and_type(ctx: RequestContext, body: Mapping[str, Any]) -> tuple[NumberPool, TypeSpec]:
    _require(body, ("regionCode", "numberType"))
    region_code = _string(body, "regionCode") or ""
    number_type = parse_enum("numberType", _string(body, "numberType") or "", NUMBER_TYPES)
    pool = ctx.state.inventory.pool(region_code, number_type)
    if pool is None:
        raise invalid_argument(
            f"no {number_type} numbers are offered in region {region_code!r}",
            ("regionCode", f"region does not offer {number_type} numbers"),
        )
    return pool, pool.spec


async def lookup_number_requirements(ctx: RequestContext) -> web.StreamResponse:
    """POST numberOrders:lookupNumberRequirements."""
    _check_query(ctx, ())
    body = ctx.json_body(required=True) or {}
    _check_fields(body, ("regionCode", "numberType"))
    pool, spec = _region_and_type(ctx, body)
    return json_response(_requirements(pool.region.code, spec))


# -- create --------------------------------------------------------------------------------


def _sms(body: Mapping[str, Any]) -> dict[str, Any] | None:
    value = _object(body, "smsConfiguration")
    if value is None:
        return None
    _check_fields(value, ("servicePlanId", "campaignId"), "smsConfiguration")
    _require(value, ("servicePlanId",), "smsConfiguration")
    plan = _string(value, "servicePlanId", "smsConfiguration") or ""
    campaign = _string(value, "campaignId", "smsConfiguration")
    result = {"servicePlanId": plan}
    if campaign:
        result["campaignId"] = campaign
    return result


def _voice(body: Mapping[str, Any]) -> dict[str, Any] | None:
    value = _object(body, "voiceConfiguration")
    if value is None:
        return None
    _check_fields(value, ("type", *VOICE_ID_FIELDS.values()), "voiceConfiguration")
    _require(value, ("type",), "voiceConfiguration")
    voice_type = parse_enum(
        "voiceConfiguration.type",
        _string(value, "type", "voiceConfiguration") or "",
        VOICE_ID_FIELDS,
    )
    id_field = VOICE_ID_FIELDS[voice_type]
    for other in VOICE_ID_FIELDS.values():
        if other != id_field and other in value:
            raise invalid_argument(
                f'field "voiceConfiguration.{other}" is not valid for type {voice_type}',
                (f"voiceConfiguration.{other}", f"not valid for type {voice_type}"),
            )
    _require(value, (id_field,), "voiceConfiguration")
    return {"type": voice_type, id_field: _string(value, id_field, "voiceConfiguration")}


def _specific_number(pool: NumberPool, option: Any) -> list[AvailableNumber]:
    if not isinstance(option, dict):
        raise invalid_argument(
            'parsing field "numberOrderOption": expected an object',
            ("numberOrderOption", "must be an object"),
        )
    _check_fields(option, ("phoneNumbers",), "numberOrderOption")
    phones = option.get("phoneNumbers")
    if not isinstance(phones, list) or len(phones) != 1:
        raise invalid_argument(
            "numberOrderOption.phoneNumbers must hold exactly one phone number",
            ("numberOrderOption.phoneNumbers", "exactly one phone number per order"),
        )
    phone = phones[0]
    if not isinstance(phone, str) or not E164.fullmatch(phone):
        raise invalid_argument(
            f'parsing field "numberOrderOption.phoneNumbers": {phone!r} is not an E.164 number',
            ("numberOrderOption.phoneNumbers", "must be E.164 numbers"),
        )
    number = pool.numbers.get(phone)
    if number is None:
        raise invalid_argument(
            f"{phone} is not an available {pool.spec.number_type} number in {pool.region.code}",
            ("numberOrderOption.phoneNumbers", "number is not available"),
        )
    return [number]


def _by_quantity(ctx: RequestContext, pool: NumberPool, option: Any) -> list[AvailableNumber]:
    where = "quantityOrderOption"
    if not isinstance(option, dict):
        raise invalid_argument(f'parsing field "{where}": expected an object', (where, "object"))
    _check_fields(
        option, ("requestedQuantity", "numberPattern", "sequential", "capabilities"), where
    )
    count = option.get("requestedQuantity")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= _MAX_QUANTITY:
        raise invalid_argument(
            f"{where}.requestedQuantity must be an integer between 1 and {_MAX_QUANTITY}",
            (f"{where}.requestedQuantity", f"must be between 1 and {_MAX_QUANTITY}"),
        )
    pattern_obj = _object(option, "numberPattern") or {}
    _check_fields(pattern_obj, ("pattern", "searchPattern"), f"{where}.numberPattern")
    pattern = _pattern(
        _string(pattern_obj, "pattern", f"{where}.numberPattern") or None,
        f"{where}.numberPattern.pattern",
    )
    raw_search = _string(pattern_obj, "searchPattern", f"{where}.numberPattern")
    search = (
        parse_enum(f"{where}.numberPattern.searchPattern", raw_search, SEARCH_PATTERNS)
        if raw_search
        else "CONTAINS"
    )
    sequential = option.get("sequential", False)
    if not isinstance(sequential, bool):
        raise invalid_argument(
            f'parsing field "{where}.sequential": expected a boolean',
            (f"{where}.sequential", "must be a boolean"),
        )
    raw_caps = option.get("capabilities") or []
    if not isinstance(raw_caps, list) or not all(isinstance(c, str) for c in raw_caps):
        raise invalid_argument(
            f'parsing field "{where}.capabilities": expected an array of strings',
            (f"{where}.capabilities", "must be an array"),
        )
    caps = frozenset(parse_enum(f"{where}.capabilities", c, CAPABILITIES) for c in raw_caps)
    cc = pool.region.calling_code
    candidates = [
        n
        for n in pool
        if caps.issubset(n.capability)
        and not (pattern and not matches_pattern(n.phone_number, cc, pattern, search))
    ]
    chosen = _consecutive(candidates, count) if sequential else candidates[:count]
    if chosen is None and sequential and not pattern and not caps:
        # The random catalogue rarely has runs; the bulk range is consecutive by design.
        chosen = ctx.state.inventory.bulk_numbers(
            pool.region.code, pool.spec.number_type, count, ctx.state.numbers._by_phone
        )
    if chosen is None or len(chosen) < count:
        raise invalid_argument(
            f"only {len(candidates)} available number(s) match the criteria; "
            f"{count} {'consecutive ' if sequential else ''}requested",
            (f"{where}.requestedQuantity", "not enough matching numbers available"),
        )
    return chosen


def _consecutive(candidates: list[AvailableNumber], count: int) -> list[AvailableNumber] | None:
    run: list[AvailableNumber] = []
    for number in candidates:
        if run and int(number.phone_number[1:]) != int(run[-1].phone_number[1:]) + 1:
            run = []
        run.append(number)
        if len(run) == count:
            return run
    return None


async def create_number_order(ctx: RequestContext) -> web.StreamResponse:
    """POST numberOrders:createNumberOrder: reserve numbers, state CREATED."""
    _check_query(ctx, ())
    body = ctx.json_body(required=True) or {}
    _check_fields(
        body,
        ("regionCode", "numberType", "numberOrderOption", "quantityOrderOption",
         "smsConfiguration", "voiceConfiguration", "callbackUrl"),
    )  # fmt: skip
    pool, spec = _region_and_type(ctx, body)
    has_numbers = body.get("numberOrderOption") is not None
    has_quantity = body.get("quantityOrderOption") is not None
    if has_numbers == has_quantity:
        raise invalid_argument(
            "set exactly one of numberOrderOption or quantityOrderOption",
            ("numberOrderOption", "exactly one of numberOrderOption, quantityOrderOption"),
        )
    sms = _sms(body)
    voice = _voice(body)
    callback_url = _string(body, "callbackUrl") or ""
    if has_numbers:
        chosen = _specific_number(pool, body["numberOrderOption"])
    else:
        chosen = _by_quantity(ctx, pool, body["quantityOrderOption"])
    for number in chosen:
        pool.take(number.phone_number)
    state = ctx.state
    desk = _desk(state)
    now = state.now()
    order = EmulatedOrder(
        order_id=state.new_id(),
        project_id=state.project_id,
        region_code=pool.region.code,
        number_type=spec.number_type,
        numbers=list(chosen),
        sms_configuration=sms,
        voice_configuration=voice,
        callback_url=callback_url,
        create_time=format_timestamp(now),
        expire_at=now + timedelta(seconds=desk.order_lifetime),
    )
    desk.orders[order.order_id] = order
    order.timer = state.spawn(_expire_later(state, order, desk.order_lifetime))
    return json_response(order.to_json())


# -- state changes -------------------------------------------------------------------------


def _set_state(state: EmulatorState, order: EmulatedOrder, new_state: str) -> None:
    order.state = new_state
    order.update_time = format_timestamp(state.now())
    state.emit_event(
        order.callback_url,
        {
            "eventId": state.new_id(),
            "timestamp": format_callback_timestamp(state.now()),
            "projectId": state.project_id,
            "resourceId": order.order_id,
            "resourceType": "NUMBER_ORDER",
            "eventType": "NUMBER_ORDER_PROCESSING",
            "status": new_state,
        },
    )


def _return_numbers(state: EmulatorState, order: EmulatedOrder) -> None:
    pool = state.inventory.pool(order.region_code, order.number_type)
    if pool is not None:
        for number in order.numbers:
            pool.put(number)


async def _expire_later(state: EmulatorState, order: EmulatedOrder, delay: float) -> None:
    await asyncio.sleep(delay)
    if order.state == "CREATED":
        _return_numbers(state, order)
        _set_state(state, order, "EXPIRED")


def _review_outcome(order: EmulatedOrder) -> tuple[str, str | None]:
    """The state a review ends in, and the log message explaining a rejection."""
    forced = order.request_details.get(OUTCOME_FIELD)
    if isinstance(forced, str) and forced in _OUTCOMES:
        return forced, None if forced == "COMPLETED" else f"Outcome forced by {OUTCOME_FIELD}"
    pool_spec = _spec(order)
    for required in _required_attachments(order.region_code, pool_spec):
        if required["mandatory"] and required["id"] not in order.attachments:
            return "REJECTED", f"Missing mandatory attachment: {required['title']}"
    missing = [name for name in _required_fields(pool_spec) if not order.request_details.get(name)]
    if missing:
        return "REJECTED", "Missing registration details: " + ", ".join(missing)
    return "COMPLETED", None


def _spec(order: EmulatedOrder) -> TypeSpec:
    return order.numbers[0].spec


async def _review_later(state: EmulatorState, order: EmulatedOrder, delay: float) -> None:
    await asyncio.sleep(delay)
    if order.state != "IN_REVIEW":
        return
    outcome, message = _review_outcome(order)
    if message is not None:
        order.logs.append({"message": message, "createTime": format_timestamp(state.now())})
    if outcome == "COMPLETED":
        for available in order.numbers:
            number = state.activate(available, callback_url=order.callback_url)
            if order.sms_configuration is not None:
                sms = order.sms_configuration
                state.schedule_sms(number, sms["servicePlanId"], sms.get("campaignId", ""))
            if order.voice_configuration is not None:
                voice = order.voice_configuration
                voice_type = voice["type"]
                state.schedule_voice(number, voice_type, voice[VOICE_ID_FIELDS[voice_type]])
    elif outcome == "REJECTED":
        _return_numbers(state, order)
    _set_state(state, order, outcome)


def _editable(order: EmulatedOrder, what: str) -> None:
    if order.state != "CREATED":
        raise invalid_argument(
            f"number order {order.order_id} is {order.state}: its {what} can no longer change",
            ("numberOrderId", f"order is {order.state}"),
        )


# -- order, registration, attachments, submit ------------------------------------------------


async def get_number_order(ctx: RequestContext) -> web.StreamResponse:
    """GET numberOrders/{numberOrderId}."""
    _check_query(ctx, ())
    return json_response(_desk(ctx.state).get(ctx.params["numberOrderId"]).to_json())


async def get_registration(ctx: RequestContext) -> web.StreamResponse:
    """GET numberOrders/{numberOrderId}/registration."""
    _check_query(ctx, ())
    order = _desk(ctx.state).get(ctx.params["numberOrderId"])
    return json_response(order.registration_json(), prune=False)


async def update_registration(ctx: RequestContext) -> web.StreamResponse:
    """PUT numberOrders/{numberOrderId}/registration: replace requestDetails."""
    _check_query(ctx, ())
    order = _desk(ctx.state).get(ctx.params["numberOrderId"])
    body = ctx.json_body(required=True) or {}
    _check_fields(body, ("requestDetails",))
    details = body.get("requestDetails")
    if not isinstance(details, dict):
        raise invalid_argument(
            'parsing field "requestDetails": expected an object',
            ("requestDetails", "must be an object"),
        )
    _editable(order, "registration")
    for name in _required_fields(_spec(order)):
        if name in details and not isinstance(details[name], str):
            raise invalid_argument(
                f'parsing field "requestDetails.{name}": expected a string',
                (f"requestDetails.{name}", "must be a string"),
            )
    order.request_details = details
    order.update_time = format_timestamp(ctx.state.now())
    return json_response(order.registration_json(), prune=False)


@dataclass(slots=True)
class _Part:
    name: str
    file_name: str | None
    content_type: str | None
    data: bytes


def _multipart(ctx: RequestContext) -> list[_Part]:
    """The parts of a multipart/form-data body (parsed from the bytes already read)."""
    header = email.message.Message()
    header["Content-Type"] = ctx.request.headers.get("Content-Type", "")
    boundary = header.get_param("boundary")
    if header.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        raise invalid_argument(
            "the upload must be a multipart/form-data body",
            ("file", "send the file as multipart/form-data"),
        )
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    segments = (b"\r\n" + ctx.body).split(delimiter)
    parts: list[_Part] = []
    closed = False
    for segment in segments[1:]:
        if segment.startswith(b"--"):
            closed = True
            break
        head, sep, data = segment.partition(b"\r\n\r\n")
        if not sep:
            raise invalid_argument("malformed multipart body", ("file", "malformed part"))
        headers = email.parser.HeaderParser().parsestr(
            head.lstrip(b"\r\n").decode("utf-8", "replace") + "\r\n\r\n"
        )
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise invalid_argument("multipart part without a name", ("file", "malformed part"))
        parts.append(_Part(name, headers.get_filename(), headers.get("Content-Type"), bytes(data)))
    if not closed:
        raise invalid_argument("truncated multipart body", ("file", "malformed body"))
    return parts


def _too_large(order: EmulatedOrder, attachment_id: str, size: int, limit: int) -> ApiError:
    return ApiError(
        413,
        f"the attachment is {size} bytes; the limit is {limit} bytes",
        [
            {
                "type": "RequestEntityTooLarge",
                "resourceName": f"numberOrders/{order.order_id}/attachments/{attachment_id}",
                "description": f"attachment larger than {limit} bytes",
            }
        ],
    )


async def upload_attachment(ctx: RequestContext) -> web.StreamResponse:
    """POST numberOrders/{numberOrderId}/attachments/{attachmentId}: multipart upload."""
    _check_query(ctx, ())
    desk = _desk(ctx.state)
    order = desk.get(ctx.params["numberOrderId"])
    attachment_id = ctx.params["attachmentId"]
    required = {a["id"]: a for a in _required_attachments(order.region_code, _spec(order))}
    wanted = required.get(attachment_id)
    if wanted is None:
        raise not_found(
            "Attachment",
            attachment_id,
            f"attachment {attachment_id} is not a requirement of {order.region_code} "
            f"{order.number_type} orders",
        )
    parts = {part.name: part for part in _multipart(ctx)}
    file = parts.get("file")
    if file is None:
        raise invalid_argument('the multipart field "file" is required', ("file", "required"))
    if len(file.data) > desk.max_attachment_size:
        raise _too_large(order, attachment_id, len(file.data), desk.max_attachment_size)
    mime_type = (file.content_type or "application/octet-stream").split(";")[0].strip().lower()
    allowed_mime = wanted["allowedMimeTypes"]
    if allowed_mime and mime_type not in allowed_mime:
        raise invalid_argument(
            f"{mime_type} is not accepted for {attachment_id}; use {', '.join(allowed_mime)}",
            ("file", "MIME type not allowed"),
        )
    document_type = parts["documentType"].data.decode() if "documentType" in parts else None
    allowed_docs = wanted["allowedDocumentTypes"]
    if document_type is not None and allowed_docs and document_type not in allowed_docs:
        raise invalid_argument(
            f"documentType {document_type!r} is not accepted; use one of {allowed_docs}",
            ("documentType", "document type not allowed"),
        )
    _editable(order, "attachments")
    now = format_timestamp(ctx.state.now())
    previous = order.attachments.get(attachment_id)
    order.attachments[attachment_id] = StoredAttachment(
        attachment_id=attachment_id,
        file_name=file.file_name or "",
        mime_type=mime_type,
        document_type=document_type,
        data=file.data,
        create_time=previous.create_time if previous else now,
        update_time=now,
    )
    order.update_time = now
    return web.Response(status=200)


async def submit_number_order(ctx: RequestContext) -> web.StreamResponse:
    """POST numberOrders/{numberOrderId}/submit: IN_REVIEW, then the review outcome."""
    _check_query(ctx, ())
    state = ctx.state
    desk = _desk(state)
    order = desk.get(ctx.params["numberOrderId"])
    _editable(order, "state")
    if order.timer is not None:
        order.timer.cancel()
    _set_state(state, order, "IN_REVIEW")
    order.timer = state.spawn(_review_later(state, order, desk.review_delay))
    return json_response(order.to_json())
