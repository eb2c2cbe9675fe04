"""Number Orders: the KYC ordering flow (``client.number_orders``)."""

from __future__ import annotations

import asyncio
import io
import math
import mimetypes
import os
import re
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from typing import IO, Any, TypeAlias
from urllib.parse import quote

import aiohttp

from ._enums import Capability, NumberOrderState, NumberType
from ._models import (
    SmsConfiguration,
    VoiceConfigurationEST,
    VoiceConfigurationFAX,
    VoiceConfigurationRTC,
)
from ._order_models import (
    NumberOrder,
    NumberOrderOption,
    NumberRequirements,
    QuantityOrderOption,
    Registration,
)
from ._services import _config_body, _pattern_query, _Service
from ._transport import Call
from ._validation import (
    check_enum,
    check_enum_list,
    check_phone_number,
    check_region_code,
    check_resource_id,
    check_text,
)

__all__ = ["FINAL_ORDER_STATES", "NumberOrdersService", "UploadSource"]

#: What :meth:`NumberOrdersService.upload_attachment` accepts: a path, the bytes, or a binary
#: file object opened for reading.
UploadSource: TypeAlias = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

#: States an order never leaves.
FINAL_ORDER_STATES = frozenset(
    {NumberOrderState.COMPLETED, NumberOrderState.REJECTED, NumberOrderState.EXPIRED}
)

_MAX_QUANTITY = 100
_CHUNK = 256 * 1024
_MIME_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")
_DEFAULT_FILE_NAME = "attachment"


def _order_path(number_order_id: Any, suffix: str = "") -> str:
    order_id = check_resource_id(number_order_id, "number_order_id")
    return f"/numberOrders/{quote(order_id, safe='')}{suffix}"


def _get_check(number_order_id: str) -> str:
    return f"check with `await client.number_orders.get({number_order_id!r})`"


def _order_option(phone_numbers: Any, quantity: Any) -> dict[str, Any]:
    """The ``numberOrderOption`` or ``quantityOrderOption`` member of a create body."""
    if (phone_numbers is None) == (quantity is None):
        raise ValueError(
            "create needs exactly one of phone_numbers (order a specific number) or "
            "quantity (order numbers matching criteria)"
        )
    if phone_numbers is not None:
        if isinstance(phone_numbers, NumberOrderOption):
            phone_numbers = phone_numbers.phone_numbers
        numbers = [phone_numbers] if isinstance(phone_numbers, str) else phone_numbers
        if not isinstance(numbers, Sequence):
            raise TypeError(
                "phone_numbers must be a phone number string or a list of them, "
                f"got {type(phone_numbers).__name__}"
            )
        if len(numbers) != 1:
            raise ValueError(
                f"phone_numbers must hold exactly one number (the API orders one specific "
                f"number per order), got {len(numbers)}"
            )
        return {
            "numberOrderOption": {"phoneNumbers": [check_phone_number(numbers[0], "phone_numbers")]}
        }
    option = (
        quantity if isinstance(quantity, QuantityOrderOption) else QuantityOrderOption(quantity)
    )
    count = option.requested_quantity
    if isinstance(count, bool) or not isinstance(count, int):
        raise TypeError(
            f"quantity must be an int or a QuantityOrderOption, got {type(count).__name__}"
        )
    if not 1 <= count <= _MAX_QUANTITY:
        raise ValueError(f"quantity must be between 1 and {_MAX_QUANTITY}, got {count}")
    body: dict[str, Any] = {"requestedQuantity": count}
    pattern = {
        key.removeprefix("numberPattern."): value
        for key, value in _pattern_query(option.number_pattern, option.search_pattern)
    }
    if pattern:
        body["numberPattern"] = pattern
    if option.sequential is not None:
        if not isinstance(option.sequential, bool):
            raise TypeError(f"sequential must be a bool, got {type(option.sequential).__name__}")
        body["sequential"] = option.sequential
    if option.capabilities is not None:
        body["capabilities"] = [
            c.value for c in check_enum_list(option.capabilities, Capability, "capabilities")
        ]
    return {"quantityOrderOption": body}


def _check_mime_type(value: Any) -> str:
    text = check_text(value, "content_type", allow_empty=False)
    if not _MIME_TYPE.fullmatch(text):
        raise ValueError(
            f"content_type must be a MIME type such as 'application/pdf', got {text!r}"
        )
    return text


class _Upload:
    """One attachment's bytes, re-readable for every attempt and streamed in chunks.

    A path is opened only while a request body is being written and closed right after; a
    caller's file object is read from where it stood and never closed (it is the caller's).
    """

    def __init__(self, file: Any, file_name: str | None, content_type: str | None) -> None:
        self._data: bytes | None = None
        self._path: str | None = None
        self._fileobj: IO[bytes] | None = None
        self._start: int | None = None
        self._read_from = False
        guessed_name: str | None = None
        if isinstance(file, bytes | bytearray | memoryview):
            # A mutable buffer is copied so a retry sends what the caller passed.
            self._data = file if isinstance(file, bytes) else bytes(file)
        elif isinstance(file, str | os.PathLike):
            path = os.fspath(file)
            if not isinstance(path, str):
                raise TypeError("file must be a str path, not a bytes path")
            if os.path.isdir(path):
                raise IsADirectoryError(f"file is a directory, not a file: {path!r}")
            if not os.path.isfile(path):
                raise FileNotFoundError(f"no such file: {path!r}")
            self._path = path
            guessed_name = os.path.basename(path)
        elif isinstance(file, io.TextIOBase):
            raise TypeError("file must be opened in binary mode ('rb'), not text mode")
        elif callable(getattr(file, "read", None)):
            self._fileobj = file
            name = getattr(file, "name", None)
            if isinstance(name, str) and name:
                guessed_name = os.path.basename(name)
            try:
                self._start = file.tell() if file.seekable() else None
            except (AttributeError, OSError):
                self._start = None
        else:
            raise TypeError(
                f"file must be a path, bytes, or a binary file object, got {type(file).__name__}"
            )
        name = file_name if file_name is not None else guessed_name or _DEFAULT_FILE_NAME
        self.file_name = check_text(name, "file_name", allow_empty=False)
        if content_type is None:
            content_type = mimetypes.guess_type(self.file_name)[0] or "application/octet-stream"
        self.content_type = _check_mime_type(content_type)
        self._streams: list[AsyncGenerator[bytes, None]] = []

    def body(self) -> bytes | AsyncGenerator[bytes, None]:
        """The value for one attempt's ``file`` field."""
        if self._data is not None:
            return self._data
        stream = self._stream()
        self._streams.append(stream)
        return stream

    async def _stream(self) -> AsyncGenerator[bytes, None]:
        # Nothing runs (and no file is opened) until aiohttp starts writing the body.
        loop = asyncio.get_running_loop()
        if self._path is not None:
            # Opened here, not in a worker thread: a cancelled thread hand-off would leak it.
            with open(self._path, "rb") as handle:  # noqa: ASYNC230
                while chunk := await loop.run_in_executor(None, handle.read, _CHUNK):
                    yield chunk
            return
        source = self._fileobj
        assert source is not None
        if self._start is not None:
            source.seek(self._start)
        self._read_from = True
        while chunk := await loop.run_in_executor(None, source.read, _CHUNK):
            if not isinstance(chunk, bytes | bytearray | memoryview):
                raise TypeError("file must be opened in binary mode: read() returned text")
            yield bytes(chunk)

    def replayable(self) -> bool:
        """Whether another attempt would send the same bytes.

        A file object that cannot seek cannot be rewound once an attempt has read from it.
        """
        return self._fileobj is None or self._start is not None or not self._read_from

    async def aclose(self) -> None:
        """Finish every stream an attempt left suspended, so no file stays open.

        A stream still running belongs to a body writer aiohttp is cancelling; that
        cancellation closes its file.
        """
        streams, self._streams = self._streams, []
        for stream in streams:
            if not getattr(stream, "ag_running", False):
                await stream.aclose()


class NumberOrdersService(_Service):
    """Order numbers that need registration documents (``client.number_orders``).

    The flow: :meth:`lookup_requirements`, :meth:`create`, :meth:`update_registration`,
    :meth:`upload_attachment` for each mandatory document, :meth:`submit`, then
    :meth:`wait_for_state` until Sinch has reviewed the order.

    ```python
    order = await client.number_orders.create(
        region_code="AU", number_type=NumberType.MOBILE, quantity=1
    )
    await client.number_orders.update_registration(order.id, {"companyName": "Example Pty"})
    await client.number_orders.upload_attachment(order.id, "proof-of-address", "bill.pdf")
    await client.number_orders.submit(order.id)
    order = await client.number_orders.wait_for_state(order.id, NumberOrderState.COMPLETED)
    ```
    """

    __slots__ = ()

    async def lookup_requirements(
        self, *, region_code: str, number_type: NumberType | str
    ) -> NumberRequirements:
        """The registration fields and documents a region asks for (changes nothing)."""
        body = {
            "regionCode": check_region_code(region_code),
            "numberType": check_enum(number_type, NumberType, "number_type").value,
        }
        call = Call("POST", "/numberOrders:lookupNumberRequirements", json=body)
        return await self._get_model(call, NumberRequirements)

    async def create(
        self,
        *,
        region_code: str,
        number_type: NumberType | str,
        phone_numbers: str | Sequence[str] | NumberOrderOption | None = None,
        quantity: int | QuantityOrderOption | None = None,
        sms_configuration: SmsConfiguration | None = None,
        voice_configuration: (
            VoiceConfigurationRTC | VoiceConfigurationEST | VoiceConfigurationFAX | None
        ) = None,
        callback_url: str | None = None,
    ) -> NumberOrder:
        """Create an order, which reserves its numbers until ``expire_time``.

        Give exactly one of ``phone_numbers`` (one specific number, e.g. from
        ``available_numbers.list``) or ``quantity`` (1-100 numbers; a
        :class:`QuantityOrderOption` adds a pattern, capabilities or ``sequential``).
        ``sms_configuration`` needs a ``service_plan_id``. Not retried once sent.
        """
        body: dict[str, Any] = {
            "regionCode": check_region_code(region_code),
            "numberType": check_enum(number_type, NumberType, "number_type").value,
        }
        body.update(_order_option(phone_numbers, quantity))
        body.update(_config_body(sms_configuration, voice_configuration, callback_url))
        if sms_configuration is not None and not sms_configuration.service_plan_id:
            raise ValueError("sms_configuration of a number order needs a service_plan_id")
        call = Call(
            "POST",
            "/numberOrders:createNumberOrder",
            json=body,
            safe=False,
            check_hint=(
                "there is no call listing orders: check the Sinch dashboard; an order that is "
                "never submitted expires and frees its numbers"
            ),
        )
        return await self._get_model(call, NumberOrder)

    async def get(self, number_order_id: str) -> NumberOrder:
        """An order with its reserved numbers; ``NotFoundError`` for an unknown ID."""
        return await self._get_model(Call("GET", _order_path(number_order_id)), NumberOrder)

    async def get_registration(self, number_order_id: str) -> Registration:
        """The registration details, uploaded attachments and review logs of an order."""
        path = _order_path(number_order_id, "/registration")
        return await self._get_model(Call("GET", path), Registration)

    async def update_registration(
        self, number_order_id: str, request_details: Mapping[str, Any]
    ) -> Registration:
        """Replace the order's registration details (the fields ``lookup_requirements`` lists).

        A PUT that replaces the details with the same body each time, so it is retried like a
        read.
        """
        path = _order_path(number_order_id, "/registration")
        if not isinstance(request_details, Mapping):
            raise TypeError(
                f"request_details must be a mapping, got {type(request_details).__name__}"
            )
        details = _json_value(request_details, "request_details")
        call = Call("PUT", path, json={"requestDetails": details})
        return await self._get_model(call, Registration)

    async def upload_attachment(
        self,
        number_order_id: str,
        attachment_id: str,
        file: UploadSource,
        *,
        document_type: str | None = None,
        file_name: str | None = None,
        content_type: str | None = None,
    ) -> None:
        """Upload a document for one of the attachments ``lookup_requirements`` listed.

        ``file`` is a path, the bytes, or a binary file object (read from its current
        position and left open). Paths and file objects are streamed, never read whole into
        memory. ``file_name`` defaults to the path's or file object's name (``"attachment"``
        for bytes); ``content_type`` is guessed from it (``application/octet-stream`` when
        unknown). A file above the API's size limit raises :class:`ApiError` with
        ``http_status`` 413 and ``status`` ``"CONTENT_TOO_LARGE"``. Not retried once sent.
        """
        path = _order_path(number_order_id, "/attachments/")
        path += quote(check_resource_id(attachment_id, "attachment_id"), safe="")
        if document_type is not None:
            check_text(document_type, "document_type", allow_empty=False)
        upload = _Upload(file, file_name, content_type)

        def form() -> aiohttp.FormData:
            # Names go out as browsers send them (UTF-8, not percent-encoded).
            data = aiohttp.FormData(quote_fields=False)
            data.add_field(
                "file", upload.body(), filename=upload.file_name, content_type=upload.content_type
            )
            if document_type is not None:
                data.add_field("documentType", document_type)
            return data

        call = Call(
            "POST",
            path,
            form=form,
            replayable=upload.replayable,
            safe=False,
            check_hint=(
                f"check with `await client.number_orders.get_registration({number_order_id!r})`"
            ),
        )
        try:
            await self._transport.request(call)
        finally:
            await upload.aclose()

    async def submit(self, number_order_id: str) -> NumberOrder:
        """Send the order for review (state ``IN_REVIEW``). Not retried once sent."""
        path = _order_path(number_order_id, "/submit")
        call = Call("POST", path, safe=False, check_hint=_get_check(number_order_id))
        return await self._get_model(call, NumberOrder)

    async def wait_for_state(
        self,
        number_order_id: str,
        states: NumberOrderState | str | Iterable[NumberOrderState | str],
        *,
        timeout: float | None = 600.0,
        initial_interval: float = 1.0,
        max_interval: float = 30.0,
    ) -> NumberOrder:
        """Poll the order until its state is one of ``states``; return it.

        Polls after ``initial_interval`` seconds, doubling the pause up to ``max_interval``.
        Also returns when the order reaches a final state (``COMPLETED``, ``REJECTED``,
        ``EXPIRED``) outside ``states``, since it can never get there: check ``order.state``.
        Raises :class:`TimeoutError` after ``timeout`` seconds (``None`` waits for ever).
        Cancelling the waiting task stops it at once; no request is left behind.

        ```python
        order = await client.number_orders.wait_for_state(
            order_id, {NumberOrderState.COMPLETED, NumberOrderState.REJECTED}, timeout=600
        )
        ```
        """
        check_resource_id(number_order_id, "number_order_id")
        wanted = set(check_enum_list(states, NumberOrderState, "states"))
        _check_seconds(initial_interval, "initial_interval")
        _check_seconds(max_interval, "max_interval")
        if max_interval < initial_interval:
            raise ValueError("max_interval must not be smaller than initial_interval")
        if timeout is not None:
            _check_seconds(timeout, "timeout")
        last: NumberOrder | None = None
        scope = asyncio.timeout(timeout)
        try:
            async with scope:
                interval = initial_interval
                while True:
                    last = await self.get(number_order_id)
                    if last.state in wanted or last.state in FINAL_ORDER_STATES:
                        return last
                    await asyncio.sleep(interval)
                    interval = min(interval * 2, max_interval)
        except TimeoutError:
            if not scope.expired():
                raise
            state = "unknown" if last is None else str(last.state)
            wanted_text = ", ".join(sorted(str(s) for s in wanted))
            raise TimeoutError(
                f"number order {number_order_id!r} did not reach {wanted_text} within "
                f"{timeout} s (last state: {state})"
            ) from None

    #: Short alias of :meth:`wait_for_state`.
    wait = wait_for_state


_MAX_JSON_DEPTH = 32


def _json_value(value: Any, where: str, depth: int = 0) -> Any:
    """``value`` as plain JSON data, or TypeError/ValueError saying where it is not JSON.

    Checked here rather than left to the encoder, which would refuse some values with an
    anonymous error and silently change others (NaN to null, datetimes to strings).
    """
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} must be a finite number, got {value}")
        return value
    if depth >= _MAX_JSON_DEPTH:
        raise ValueError(f"{where} is nested more than {_MAX_JSON_DEPTH} levels deep")
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} keys must be strings, got {key!r}")
            result[key] = _json_value(item, f"{where}[{key!r}]", depth + 1)
        return result
    if isinstance(value, list | tuple):
        return [_json_value(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise TypeError(
        f"{where} must hold only JSON values (str, int, float, bool, None, lists and "
        f"mappings), got {type(value).__name__}"
    )


def _check_seconds(value: Any, arg: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{arg} must be a number of seconds, got {type(value).__name__}")
    if not value > 0:
        raise ValueError(f"{arg} must be positive, got {value}")
