"""``sinch-numbers demo``: the whole journey of the SDK, step by step, against an in-process
emulator and a local callback receiver. Nothing leaves 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import Final, TextIO

import aiohttp
from aiohttp import web

from ._cli import ACTIVE_COLUMNS, AVAILABLE_COLUMNS, CommandError, render_table
from ._enums import Capability, NumberType, ProvisioningStatus
from ._models import ActiveNumber, SmsConfiguration
from .callbacks import (
    SIGNATURE_HEADER,
    AiohttpCallbackHandler,
    CallbackEvent,
    aiohttp_handler,
    verify_signature,
)
from .errors import NotFoundError

__all__ = ["MAX_PROVISIONING_DELAY", "DemoError", "run_demo"]

SERVICE_PLAN_ID: Final = "demo-service-plan"
DISPLAY_NAME: Final = "Demo support line"
CALLBACK_PATH: Final = "/sinch/numbers-events"
_POLL_INTERVAL: Final = 0.1
_STEP_TIMEOUT: Final = 10.0
#: Longest provisioning delay the demo accepts (its steps wait at most `_STEP_TIMEOUT`).
MAX_PROVISIONING_DELAY: Final = _STEP_TIMEOUT / 2


class DemoError(CommandError):
    """A step of the demo did not give the result it should have."""


class _Printer:
    """Numbered steps, indented details and SDK calls; ANSI styles only when asked for."""

    def __init__(self, stream: TextIO, color: bool) -> None:
        self._stream = stream
        self._color = color

    def _style(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self._color else text

    def _print(self, text: str = "") -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def title(self, text: str) -> None:
        self._print(self._style("1", text))

    def step(self, number: int, title: str, why: str) -> None:
        self._print()
        self._print(self._style("1;36", f"Step {number}. {title}"))
        self._print(f"  {why}")

    def code(self, *lines: str) -> None:
        """Python as typed at a REPL: the first line after ``>>>``, the rest after ``...``."""
        for index, text in enumerate(lines):
            self._print(self._style("2", f"  {'...' if index else '>>>'} {text}"))

    def line(self, text: str = "") -> None:
        self._print(f"  {text}" if text else "")

    def lines(self, lines: list[str]) -> None:
        for text in lines:
            self.line(text)

    def ok(self, text: str) -> None:
        self._print(f"  {self._style('32', 'ok')} {text}")


def _use_color(stream: TextIO, color: bool | None) -> bool:
    if color is not None:
        return color
    return stream.isatty() and not os.environ.get("NO_COLOR")


@contextlib.asynccontextmanager
async def _callback_receiver(handler: AiohttpCallbackHandler) -> AsyncIterator[str]:
    """An aiohttp server on 127.0.0.1 with ``handler`` at :data:`CALLBACK_PATH`; its URL."""
    app = web.Application()
    app.router.add_post(CALLBACK_PATH, handler)
    app.on_shutdown.append(handler.on_shutdown)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}{CALLBACK_PATH}"
    finally:
        await runner.cleanup()


def _sms_state(number: ActiveNumber) -> str:
    sms = number.sms_configuration
    if sms is None:
        return "no SMS configuration"
    pending = sms.scheduled_provisioning
    if pending is not None:
        return f"scheduled provisioning to {pending.service_plan_id!r}: {pending.status}"
    return f"service plan {sms.service_plan_id!r} active"


async def run_demo(
    stream: TextIO | None = None,
    *,
    color: bool | None = None,
    active_numbers: int = 240,
    page_size: int = 50,
    seed: int = 0,
    provisioning_delay: float = 0.8,
) -> None:
    """Walk through search, rent, list, update, provisioning + signed callback, and release.

    Raises :class:`DemoError` (or the SDK's error) when a step fails.
    """
    from .testing import NumbersEmulator

    if active_numbers < 0:
        raise ValueError(f"active_numbers must not be negative, got {active_numbers}")
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    if not 0 <= provisioning_delay <= MAX_PROVISIONING_DELAY:
        raise ValueError(
            f"provisioning_delay must be between 0 and {MAX_PROVISIONING_DELAY:g} s, "
            f"got {provisioning_delay}"
        )
    out = stream or sys.stdout
    show = _Printer(out, _use_color(out, color))
    started = time.monotonic()
    show.title("Sinch Numbers SDK demo")
    show.line("Against an in-process emulator of the Numbers API: nothing real is rented or")
    show.line("charged, and nothing leaves this machine.")

    async with contextlib.AsyncExitStack() as stack:
        emulator = await stack.enter_async_context(
            NumbersEmulator(seed=seed, provisioning_delay=provisioning_delay)
        )
        if active_numbers:
            emulator.add_active_numbers(active_numbers, display_name="Line {i}")
        client = await stack.enter_async_context(emulator.client())
        config = await client.callback_configuration.get()
        secret = config.hmac_secret
        if not secret:
            raise DemoError("the project has no HMAC secret to sign callbacks with")
        arrived: asyncio.Queue[CallbackEvent] = asyncio.Queue()
        handler = aiohttp_handler(secret, arrived.put)
        receiver_url = await stack.enter_async_context(_callback_receiver(handler))
        show.line()
        show.line(f"emulator           {emulator.base_url}  (project {emulator.project_id},")
        show.line(f"                   {active_numbers} numbers already rented)")
        show.line(f"callback receiver  {receiver_url}  (callbacks.aiohttp_handler)")
        show.line(f"signing secret     from callback_configuration.get(): {'*' * 8}{secret[-4:]}")

        # 1. search
        show.step(1, "Search numbers to rent", "US local numbers that can send SMS, five of them.")
        show.code(
            "await client.available_numbers.list(",
            '    region_code="US", number_type=NumberType.LOCAL, capabilities=[Capability.SMS], '
            "size=5",
            ").collect()",
        )
        found = await client.available_numbers.list(
            region_code="US", number_type=NumberType.LOCAL, capabilities=[Capability.SMS], size=5
        ).collect()
        if not found:
            raise DemoError("the search found no US LOCAL SMS numbers")
        show.lines(render_table(AVAILABLE_COLUMNS, found))
        phone = found[0].phone_number

        # 2. rent
        show.step(
            2,
            f"Rent {phone}",
            "Link it to an SMS service plan and ask for events at our callback URL.",
        )
        show.code(
            "await client.available_numbers.rent(",
            f'    "{phone}",',
            f'    sms_configuration=SmsConfiguration(service_plan_id="{SERVICE_PLAN_ID}"),',
            "    callback_url=receiver_url,",
            ")",
        )
        rented_at = time.monotonic()
        rented = await client.available_numbers.rent(
            phone,
            sms_configuration=SmsConfiguration(service_plan_id=SERVICE_PLAN_ID),
            callback_url=receiver_url,
        )
        money = rented.money
        price = f"{money.amount} {money.currency_code} a month" if money else "price unknown"
        show.ok(f"rented {rented.phone_number} ({price})")
        show.line(f"SMS: {_sms_state(rented)}; provisioning runs in the background")

        # 3. list across pages
        show.step(
            3,
            "List the project's numbers across pages",
            f"The pager follows nextPageToken for us; {page_size} numbers per request.",
        )
        show.code(
            f"async for page in client.active_numbers.list(page_size={page_size}).pages():",
            "    print(len(page.items), page.items[0].phone_number, page.items[-1].phone_number)",
        )
        pages = total = 0
        found_on: int | None = None
        async for page in client.active_numbers.list(page_size=page_size).pages():
            pages += 1
            total += len(page.items)
            here = any(n.phone_number == phone for n in page.items)
            if here:
                found_on = pages
            first, last = page.items[0].phone_number, page.items[-1].phone_number
            mark = f"   <- {phone} is here" if here else ""
            show.line(f"page {pages}: {len(page.items):3d} numbers  {first} .. {last}{mark}")
        if found_on is None:
            raise DemoError(f"{phone} is missing from the listing")
        show.ok(f"{total} numbers in {pages} pages")

        # 4. update
        show.step(4, "Give it a display name", "A PATCH that sends only the field given.")
        show.code(f'await client.active_numbers.update("{phone}", display_name="{DISPLAY_NAME}")')
        updated = await client.active_numbers.update(phone, display_name=DISPLAY_NAME)
        if updated.display_name != DISPLAY_NAME:
            raise DemoError(f"the display name is {updated.display_name!r} after the update")
        show.lines(render_table(ACTIVE_COLUMNS, [updated]))

        # 5. provisioning and the signed callback
        show.step(
            5,
            "Watch SMS provisioning finish, and the signed callback arrive",
            "Poll the number until its scheduled provisioning is gone; the emulator then POSTs",
        )
        show.line("a signed event to the receiver, which verifies it before handing it over.")
        show.code(
            f'number = await client.active_numbers.get("{phone}")  # every {_POLL_INTERVAL} s'
        )
        seen: str | None = None
        async with asyncio.timeout(_STEP_TIMEOUT):
            while True:
                number = await client.active_numbers.get(phone)
                sms = number.sms_configuration
                pending = sms.scheduled_provisioning if sms else None
                elapsed = time.monotonic() - rented_at
                if pending is None:
                    break
                if pending.status == ProvisioningStatus.FAILED:
                    raise DemoError(f"SMS provisioning failed: {pending.error_codes}")
                if str(pending.status) != seen:
                    seen = str(pending.status)
                    show.line(f"{elapsed:4.1f} s  scheduled SMS provisioning: {seen}")
                await asyncio.sleep(_POLL_INTERVAL)
        show.ok(f"{elapsed:4.1f} s  {_sms_state(number)}")
        try:
            event = await asyncio.wait_for(arrived.get(), _STEP_TIMEOUT)
        except TimeoutError:
            raise DemoError("no callback arrived within 10 s") from None
        show.ok(
            f"callback received: {event.event_type} {event.status} for {event.resource_id} "
            f"(event {event.event_id})"
        )
        delivery = next(
            (d for d in reversed(emulator.callbacks_sent) if d.url == receiver_url and d.status),
            None,
        )
        if delivery is None or delivery.status != 200:
            raise DemoError("the receiver did not accept the callback")
        verified = verify_signature(delivery.body, delivery.signature, secret)
        tampered = delivery.body.replace(b'"SUCCEEDED"', b'"FAILED"')
        if not verified or verify_signature(tampered, delivery.signature, secret):
            raise DemoError("the callback signature did not verify as it should")
        show.code(f'verify_signature(body, request.headers["{SIGNATURE_HEADER}"], secret)')
        show.ok(f"signature {delivery.signature} verified (HMAC-SHA1 of the raw body)")
        show.ok("the same signature on a tampered body (status FAILED) does not verify")
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                receiver_url, data=delivery.body, headers={SIGNATURE_HEADER: "0" * 40}
            ) as forged,
        ):
            forged_status = forged.status
        if forged_status != 401:
            raise DemoError(f"a forged callback got {forged_status}, not 401")
        show.ok("a forged delivery with a wrong signature is refused by the receiver: 401")

        # 6. release
        show.step(6, f"Release {phone}", "It goes back on sale; the project no longer holds it.")
        show.code(f'await client.active_numbers.release("{phone}")')
        released = await client.active_numbers.release(phone)
        show.ok(f"released {released.phone_number} ({released.display_name})")
        try:
            await client.active_numbers.get(phone)
        except NotFoundError as exc:
            show.ok(f"active_numbers.get now raises NotFoundError ({exc.http_status})")
        else:
            raise DemoError(f"{phone} is still active after the release")

    show.line()
    show.title(
        f"Done in {time.monotonic() - started:.1f} s: searched, rented, listed, renamed, "
        "provisioned, verified the signed callback and released."
    )
