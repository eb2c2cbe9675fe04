"""The ``sinch-numbers`` command: every SDK call as a subcommand, plus ``demo`` and ``emulator``.

Lists print as aligned tables and single objects as key/value lines; ``--json`` prints one JSON
object per line instead (the wire shape). Any failure is one line on stderr: exit status 1 for
API and connection errors, 2 for bad input, 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import enum
import json
import logging
import math
import os
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeAlias

import attrs

from ._client import NumbersClient
from ._converter import converter
from ._enums import NumberOrderState, NumberType, OrderBy, SearchPattern
from ._models import (
    ActiveNumber,
    CallbackConfiguration,
    EmergencyAddress,
    Money,
    Page,
    SmsConfiguration,
    VoiceConfigurationEST,
    VoiceConfigurationFAX,
    VoiceConfigurationRTC,
)
from ._pager import AsyncPager
from ._version import __version__
from .errors import SinchNumbersError

if TYPE_CHECKING:
    from .testing import NumbersEmulator

__all__ = [
    "ACTIVE_COLUMNS",
    "AVAILABLE_COLUMNS",
    "CommandError",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "REGION_COLUMNS",
    "UsageError",
    "main",
    "render_fields",
    "render_table",
]

PROG = "sinch-numbers"
EXIT_ERROR = 1  # the API, the network or a step of the demo failed
EXIT_USAGE = 2  # bad command line or bad input, before anything was sent
EXIT_INTERRUPTED = 130  # Ctrl-C

logger = logging.getLogger("sinch_numbers.cli")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PROGRESS_INTERVAL = 0.1
#: Numbers an ``--emulator`` run starts with.
_EMULATOR_NUMBERS = 50


class UsageError(Exception):
    """The command line or an input file is wrong; nothing was sent (exit 2)."""


class CommandError(Exception):
    """A command could not do what it set out to, for a reason of its own (exit 1)."""


# --- text rendering ---------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Control characters shown escaped, so a hostile display name cannot drive the terminal."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, Money):
        return f"{value.amount} {value.currency_code}"
    if isinstance(value, list | tuple):
        return ", ".join(_scalar(v) for v in value)
    return _clean(str(value))


def _is_leaf(value: Any) -> bool:
    if isinstance(value, Money):
        return True
    return not attrs.has(type(value)) and not isinstance(value, dict | list | tuple)


def _flatten(value: Any, key: str) -> Iterator[tuple[str, str]]:
    """``(dotted.name, text)`` pairs of a model, ``None`` fields left out."""
    if value is None:
        return
    if _is_leaf(value):
        text = _scalar(value)
        yield key, text if text else "-"
        return
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from _flatten(getattr(value, field.name), f"{key}.{field.name}".lstrip("."))
        return
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _flatten(item, f"{key}.{_clean(str(name))}".lstrip("."))
        return
    if all(_is_leaf(v) for v in value):
        if value:
            yield key, _scalar(list(value))
        return
    for index, item in enumerate(value):
        yield from _flatten(item, f"{key}[{index}]")


def render_fields(obj: Any) -> list[str]:
    """One object as aligned ``name  value`` lines (attribute names, nested ones dotted)."""
    pairs = list(_flatten(obj, ""))
    if not pairs:
        return ["(empty)"]
    width = max(len(name) for name, _ in pairs)
    return [f"{name.ljust(width)}  {text}" for name, text in pairs]


#: A table column: its header and how to show one item in it.
Column: TypeAlias = tuple[str, Callable[[Any], str]]


def render_table(columns: Sequence[Column], items: Iterable[Any]) -> list[str]:
    """Items as an aligned table with a header line."""
    rows = [[h for h, _ in columns]]
    rows += [[_clean(show(item)) for _, show in columns] for item in items]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def _price(money: Money | None, months: int | None = None) -> str:
    if money is None:
        return ""
    per = "" if months is None else "/mo" if months == 1 else f"/{months}mo"
    return f"{money.amount} {money.currency_code}{per}"


def _sms_cell(number: ActiveNumber) -> str:
    sms = number.sms_configuration
    if sms is None:
        return ""
    current = sms.service_plan_id or (f"campaign {sms.campaign_id}" if sms.campaign_id else "")
    pending = sms.scheduled_provisioning
    if pending is None:
        return current
    target = pending.service_plan_id or pending.campaign_id or "(unlink)"
    return f"{current} -> {target} ({_scalar(pending.status)})".lstrip()


def _voice_cell(number: ActiveNumber) -> str:
    voice = number.voice_configuration
    if voice is None:
        return ""
    ident = next(
        (getattr(voice, n) for n in ("app_id", "trunk_id", "service_id") if getattr(voice, n, "")),
        "",
    )
    return f"{_scalar(voice.type)} {ident}" if ident else ""


ACTIVE_COLUMNS: Sequence[Column] = (
    ("PHONE NUMBER", lambda n: n.phone_number),
    ("REGION", lambda n: n.region_code or ""),
    ("TYPE", lambda n: _scalar(n.type)),
    ("CAPABILITY", lambda n: _scalar(n.capability)),
    ("PRICE", lambda n: _price(n.money, n.payment_interval_months)),
    ("SMS", _sms_cell),
    ("VOICE", _voice_cell),
    ("DISPLAY NAME", lambda n: n.display_name or ""),
)
AVAILABLE_COLUMNS: Sequence[Column] = (
    ("PHONE NUMBER", lambda n: n.phone_number),
    ("REGION", lambda n: n.region_code or ""),
    ("TYPE", lambda n: _scalar(n.type)),
    ("CAPABILITY", lambda n: _scalar(n.capability)),
    ("SETUP", lambda n: _price(n.setup_price)),
    ("MONTHLY", lambda n: _price(n.monthly_price, n.payment_interval_months)),
    ("DOCUMENTS", lambda n: _scalar(n.supporting_documentation_required)),
)
REGION_COLUMNS: Sequence[Column] = (
    ("CODE", lambda r: r.region_code),
    ("NAME", lambda r: r.region_name or ""),
    ("TYPES", lambda r: _scalar(r.types)),
)


def _mask(secret: str | None) -> str | None:
    return None if not secret else "*" * 8 + secret[-4:]


class _Progress:
    """``fetched N numbers...`` on stderr while a listing runs; erased when it ends."""

    def __init__(self, stream: TextIO, enabled: bool, noun: str) -> None:
        self._stream = stream
        self._enabled = enabled
        self._noun = noun
        self._width = 0
        self._last = 0.0

    def update(self, count: int, *, force: bool = False) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if not force and self._width and now - self._last < _PROGRESS_INTERVAL:
            return
        self._last = now
        text = f"  fetched {count} {self._noun}..."
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._width = max(self._width, len(text))

    def clear(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0


class Output:
    """Where results go: tables and key/value lines, or JSON lines with ``--json``."""

    def __init__(
        self,
        *,
        json_lines: bool = False,
        progress: bool | None = None,
        show_secret: bool = False,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.json_lines = json_lines
        self.show_secret = show_secret
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.progress = self.stderr.isatty() if progress is None else progress

    def _write(self, lines: Iterable[str]) -> None:
        self.stdout.write("".join(line + "\n" for line in lines))
        self.stdout.flush()

    def _json(self, obj: Any) -> str:
        return json.dumps(converter.unstructure(obj))

    def _shown(self, obj: Any) -> Any:
        if isinstance(obj, CallbackConfiguration) and not self.show_secret:
            return attrs.evolve(obj, hmac_secret=_mask(obj.hmac_secret))
        return obj

    def item(self, obj: Any) -> None:
        """One object: a JSON line, or key/value lines."""
        obj = self._shown(obj)
        self._write([self._json(obj)] if self.json_lines else render_fields(obj))

    def done(self, text: str) -> None:
        """A confirmation for a call that returns nothing (not shown with ``--json``)."""
        if not self.json_lines:
            self._write([text])

    def note(self, text: str) -> None:
        """A remark on stderr (never mixed into the results)."""
        self.stderr.write(f"{PROG}: {text}\n")
        self.stderr.flush()

    async def listing(
        self, pager: AsyncPager[Any], columns: Sequence[Column], noun: str
    ) -> Page[Any] | None:
        """Every item of ``pager``; JSON lines stream page by page, a table prints at the end.
        Returns the last page (``None`` if there was none)."""
        progress = _Progress(self.stderr, self.progress, noun)
        items: list[Any] = []
        count = 0
        last: Page[Any] | None = None
        try:
            async for page in pager.pages():
                last = page
                count += len(page.items)
                if self.json_lines:
                    progress.clear()
                    self._write(self._json(item) for item in page.items)
                else:
                    items.extend(page.items)
                progress.update(count, force=self.json_lines)
        finally:
            progress.clear()
        if not self.json_lines:
            if items:
                self._write(render_table(columns, items))
            else:
                self.note(f"no {noun} found")
        return last


# --- argument parsing ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """Reports a usage error as one line (via :class:`UsageError`) instead of usage + exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


Handler: TypeAlias = Callable[[NumbersClient, argparse.Namespace, Output], Awaitable[None]]
Standalone: TypeAlias = Callable[[argparse.Namespace, Output], Awaitable[int]]
_Subparsers: TypeAlias = "argparse._SubParsersAction[_Parser]"


def _global_options(*, suppress: bool) -> _Parser:
    """The options every command takes, before or after its name.

    The copy on the subcommands defaults to SUPPRESS so that it does not overwrite a value given
    before the subcommand."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    parser = _Parser(add_help=False)
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print one JSON object per line (API field names) instead of tables",
    )
    group.add_argument(
        "--emulator",
        action="store_true",
        default=default(False),
        help="run against an in-process emulator (fake project with "
        f"{_EMULATOR_NUMBERS} numbers) instead of the real API; no credentials needed",
    )
    group.add_argument(
        "--base-url", default=default(None), metavar="URL", help="API origin [SINCH_NUMBERS_URL]"
    )
    group.add_argument(
        "--auth-url", default=default(None), metavar="URL", help="OAuth token URL [SINCH_AUTH_URL]"
    )
    group.add_argument(
        "--auth",
        choices=("oauth", "basic"),
        default=default(None),
        help="authentication scheme [SINCH_AUTH, default oauth]",
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=default(None),
        metavar="SECONDS",
        help="timeout of each HTTP attempt (default 30)",
    )
    group.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=default(None),
        help="show listing progress on stderr (default: when stderr is a terminal)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="debug logs on stderr (-vv: aiohttp too)",
    )
    return parser


_DESCRIPTION = """\
Sinch Numbers API from the command line: search, rent, list, update and release numbers,
emergency addresses, callback settings and number orders.

Credentials come from SINCH_PROJECT_ID, SINCH_KEY_ID and SINCH_KEY_SECRET (optionally
SINCH_NUMBERS_URL, SINCH_AUTH_URL, SINCH_AUTH), or use --emulator to try any command
against an in-process emulator."""

_EPILOG = """\
examples:
  sinch-numbers demo
  sinch-numbers --emulator active list --region US --page-size 20
  sinch-numbers available list --region US --type LOCAL --capability SMS --size 5
  sinch-numbers available rent +12025550134 --service-plan-id PLAN --callback-url URL
  sinch-numbers active update +12025550134 --display-name "Support line" --json
  sinch-numbers emulator --port 8013

exit status: 0 ok, 1 API or connection error, 2 bad input, 130 interrupted"""


class _Commands:
    """Adds subcommands that all take the global options (so they work after the name too)."""

    def __init__(self, subparsers: _Subparsers, common: _Parser) -> None:
        self._subparsers = subparsers
        self._common = common

    def group(self, name: str, help_text: str) -> _Commands:
        """A command with actions of its own (``active list``, ``active get``...)."""
        parser = self._subparsers.add_parser(
            name, help=help_text, description=help_text, parents=[self._common]
        )
        return _Commands(parser.add_subparsers(metavar="ACTION", required=True), self._common)

    def add(
        self,
        name: str,
        help_text: str,
        *,
        handler: Handler | None = None,
        standalone: Standalone | None = None,
    ) -> _Parser:
        """A command run by ``handler(client, args, out)``, or ``standalone(args, out)``."""
        parser = self._subparsers.add_parser(
            name, help=help_text, description=help_text, parents=[self._common]
        )
        parser.set_defaults(handler=handler, standalone=standalone)
        return parser


def _csv(value: str) -> list[str]:
    """A repeatable option that also takes comma-separated values."""
    return [part.strip() for part in value.split(",") if part.strip()]


def _add_phone(parser: _Parser) -> _Parser:
    parser.add_argument("phone_number", metavar="PHONE_NUMBER", help="E.164, e.g. +12025550134")
    return parser


def _add_region_and_type(parser: _Parser, *, required: bool = True) -> None:
    parser.add_argument(
        "--region", "--region-code", dest="region", required=required, help="e.g. US"
    )
    parser.add_argument(
        "--type",
        "--number-type",
        dest="type",
        required=required,
        help=f"one of {', '.join(t.value for t in NumberType)}",
    )


def _add_pattern(parser: _Parser, note: str = "") -> None:
    parser.add_argument("--pattern", "--number-pattern", dest="pattern", help=note + "digits")
    parser.add_argument(
        "--search-pattern",
        help=f"{note}where --pattern matches: {', '.join(s.value for s in SearchPattern)}",
    )
    parser.add_argument(
        "--capability",
        "--capabilities",
        dest="capability",
        type=_csv,
        action="extend",
        help=f"{note}SMS or VOICE; repeat (or comma-separate) to require several",
    )


def _add_configuration(parser: _Parser, *, update: bool = False) -> None:
    parser.add_argument("--service-plan-id", help="link SMS to this service plan ('' unlinks)")
    parser.add_argument("--campaign-id", help="10DLC campaign (with --service-plan-id; '' unlinks)")
    voice = parser.add_mutually_exclusive_group()
    voice.add_argument("--app-id", help="route calls to this Voice API app (RTC)")
    voice.add_argument("--trunk-id", help="route calls to this Elastic SIP Trunk (EST)")
    voice.add_argument("--service-id", help="route calls to this Fax service (FAX)")
    callback = parser.add_mutually_exclusive_group() if update else parser
    callback.add_argument("--callback-url", help="where provisioning events are POSTed")
    if update:
        callback.add_argument(
            "--clear-callback-url", action="store_true", help="remove the callback URL"
        )


def _add_address(parser: _Parser) -> None:
    _add_phone(parser)
    parser.add_argument("--display-name", required=True, help="name shown to emergency services")
    for name, required in (
        ("street-number", True),
        ("street-info", True),
        ("location", False),
        ("city", True),
        ("state", True),
        ("postal-code", True),
        ("postal-code-plus-four", False),
    ):
        parser.add_argument(f"--{name}", required=required)


def build_parser() -> _Parser:
    """The ``sinch-numbers`` argument parser."""
    parser = _Parser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_global_options(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = _Commands(
        parser.add_subparsers(metavar="COMMAND", required=True), _global_options(suppress=True)
    )
    _add_available_commands(commands.group("available", "search and rent available numbers"))
    _add_active_commands(commands.group("active", "the project's numbers"))
    regions = commands.group("regions", "regions where numbers are offered")
    p = regions.add("list", "list regions", handler=_regions_list)
    p.add_argument(
        "--type",
        "--types",
        dest="types",
        type=_csv,
        action="extend",
        help="only regions offering this number type; repeatable",
    )
    callbacks = commands.group("callback-config", "the secret that signs callback events")
    p = callbacks.add("get", "show the callback configuration", handler=_callbacks_get)
    p.add_argument("--show-secret", action="store_true", help="print the HMAC secret unmasked")
    p = callbacks.add("update", "set the HMAC secret", handler=_callbacks_update)
    p.add_argument(
        "--hmac-secret",
        required=True,
        metavar="SECRET",
        help="32-64 letters, digits or '-'; '-' reads it from stdin",
    )
    p.add_argument("--show-secret", action="store_true", help="print the HMAC secret unmasked")
    _add_order_commands(
        commands.group("orders", "number orders (numbers that need registration documents)")
    )
    _add_standalone_commands(commands)
    return parser


def _add_available_commands(available: _Commands) -> None:
    p = available.add("list", "search numbers to rent", handler=_available_list)
    _add_region_and_type(p)
    _add_pattern(p)
    p.add_argument("--size", type=int, help="at most this many numbers")
    _add_phone(available.add("get", "one available number and its prices", handler=_available_get))
    p = _add_phone(available.add("rent", "rent a specific number", handler=_available_rent))
    _add_configuration(p)
    p = available.add("rent-any", "rent any number matching criteria", handler=_available_rent_any)
    _add_region_and_type(p)
    _add_pattern(p)
    _add_configuration(p)


def _add_active_commands(active: _Commands) -> None:
    p = active.add("list", "list the project's numbers", handler=_active_list)
    _add_region_and_type(p, required=False)
    _add_pattern(p)
    p.add_argument("--order-by", help=f"{', '.join(o.value for o in OrderBy)} (or PHONE_NUMBER...)")
    p.add_argument("--page-size", type=int, help="numbers per request")
    p.add_argument("--size", type=int, help="at most this many numbers in total")
    p.add_argument("--page-token", help="start from this page (printed after a --size listing)")
    p.add_argument(
        "--parallel", type=int, metavar="N", help="fetch with N requests in flight (2-10)"
    )
    _add_phone(active.add("get", "one of the project's numbers", handler=_active_get))
    p = _add_phone(
        active.add("update", "change a number (only the options given)", handler=_active_update)
    )
    name = p.add_mutually_exclusive_group()
    name.add_argument("--display-name")
    name.add_argument("--clear-display-name", action="store_true")
    _add_configuration(p, update=True)
    _add_phone(active.add("release", "give a number back", handler=_active_release))
    emergency = active.group("emergency-address", "a number's emergency address")
    _add_phone(emergency.add("get", "the registered address", handler=_address_get))
    _add_address(emergency.add("provision", "register an address", handler=_address_provision))
    _add_address(
        emergency.add("validate", "check an address (changes nothing)", handler=_address_validate)
    )
    _add_phone(emergency.add("deprovision", "remove the address", handler=_address_deprovision))


def _add_order_commands(orders: _Commands) -> None:
    p = orders.add(
        "lookup-requirements",
        "fields and documents a region asks for",
        handler=_orders_requirements,
    )
    _add_region_and_type(p)
    p = orders.add("create", "create an order (reserves its numbers)", handler=_orders_create)
    _add_region_and_type(p)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--phone-number", help="order this specific number")
    what.add_argument("--quantity", type=int, help="order 1-100 numbers matching criteria")
    _add_pattern(p, note="with --quantity: ")
    p.add_argument("--sequential", action="store_true", help="with --quantity: consecutive")
    _add_configuration(p)
    for name, handler, help_text in (
        ("get", _orders_get, "an order and its reserved numbers"),
        ("get-registration", _orders_get_registration, "registration details and uploads"),
        ("submit", _orders_submit, "send the order for review"),
    ):
        orders.add(name, help_text, handler=handler).add_argument("order_id", metavar="ORDER_ID")
    p = orders.add(
        "update-registration",
        "replace the registration details",
        handler=_orders_update_registration,
    )
    p.add_argument("order_id", metavar="ORDER_ID")
    p.add_argument(
        "--details",
        required=True,
        metavar="JSON",
        help="a JSON object, @FILE to read one, or - for stdin",
    )
    p = orders.add("upload-attachment", "upload a document", handler=_orders_upload)
    p.add_argument("order_id", metavar="ORDER_ID")
    p.add_argument("attachment_id", metavar="ATTACHMENT_ID", help="as lookup-requirements lists")
    p.add_argument("file", metavar="FILE", help="path of the document")
    p.add_argument("--document-type")
    p.add_argument("--file-name", help="name sent with the file (default: its base name)")
    p.add_argument("--content-type", help="MIME type (default: guessed from the name)")
    p = orders.add("wait", "poll an order until it reaches a state", handler=_orders_wait)
    p.add_argument("order_id", metavar="ORDER_ID")
    p.add_argument(
        "--state",
        dest="states",
        type=_csv,
        action="extend",
        help="state(s) to wait for (default COMPLETED); final states end it too",
    )
    p.add_argument(
        "--max-wait",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="give up after this long (default 600)",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="first pause between polls; doubles up to --max-interval",
    )
    p.add_argument("--max-interval", type=float, default=30.0, metavar="SECONDS")


def _add_standalone_commands(commands: _Commands) -> None:
    p = commands.add(
        "demo", "the whole journey, step by step, against an in-process emulator", standalone=_demo
    )
    p.add_argument("--seed", type=int, default=0, help="emulator seed (default 0)")
    p.add_argument("--numbers", type=int, default=240, help="numbers the project already holds")
    p.add_argument("--page-size", type=int, default=50, help="page size of the listing step")
    p.add_argument(
        "--provisioning-delay",
        type=float,
        default=0.8,
        metavar="SECONDS",
        help="how long the emulator takes to provision SMS (default 0.8)",
    )
    p.add_argument(
        "--color",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="colours (default: on a terminal, unless NO_COLOR is set)",
    )
    p = commands.add(
        "emulator", "run the emulator standalone until Ctrl-C", standalone=_serve_emulator
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8013; 0 picks one)")
    p.add_argument("--seed", type=int, default=0, help="makes numbers and ids reproducible")
    p.add_argument(
        "--active-numbers",
        type=int,
        default=_EMULATOR_NUMBERS,
        metavar="N",
        help=f"numbers the project already holds (default {_EMULATOR_NUMBERS})",
    )
    p.add_argument(
        "--provisioning-delay",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="time SMS/voice provisioning takes (default 2)",
    )
    p.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="delay added to every API request",
    )


# --- commands ---------------------------------------------------------------------------------


def _sms(args: argparse.Namespace) -> SmsConfiguration | None:
    if args.service_plan_id is None and args.campaign_id is None:
        return None
    return SmsConfiguration(service_plan_id=args.service_plan_id, campaign_id=args.campaign_id)


def _voice(
    args: argparse.Namespace,
) -> VoiceConfigurationRTC | VoiceConfigurationEST | VoiceConfigurationFAX | None:
    if args.app_id is not None:
        return VoiceConfigurationRTC(app_id=args.app_id)
    if args.trunk_id is not None:
        return VoiceConfigurationEST(trunk_id=args.trunk_id)
    if args.service_id is not None:
        return VoiceConfigurationFAX(service_id=args.service_id)
    return None


async def _available_list(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    pager = client.available_numbers.list(
        region_code=args.region,
        number_type=args.type,
        number_pattern=args.pattern,
        search_pattern=args.search_pattern,
        capabilities=args.capability,
        size=args.size,
    )
    await out.listing(pager, AVAILABLE_COLUMNS, "numbers")


async def _available_get(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    out.item(await client.available_numbers.get(args.phone_number))


async def _available_rent(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    number = await client.available_numbers.rent(
        args.phone_number,
        sms_configuration=_sms(args),
        voice_configuration=_voice(args),
        callback_url=args.callback_url,
    )
    out.item(number)


async def _available_rent_any(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    number = await client.available_numbers.rent_any(
        region_code=args.region,
        number_type=args.type,
        number_pattern=args.pattern,
        search_pattern=args.search_pattern,
        capabilities=args.capability,
        sms_configuration=_sms(args),
        voice_configuration=_voice(args),
        callback_url=args.callback_url,
    )
    out.item(number)


async def _active_list(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    pager = client.active_numbers.list(
        region_code=args.region,
        number_type=args.type,
        number_pattern=args.pattern,
        search_pattern=args.search_pattern,
        capabilities=args.capability,
        order_by=args.order_by,
        page_size=args.page_size,
        size=args.size,
        page_token=args.page_token,
        parallel=args.parallel,
    )
    last = await out.listing(pager, ACTIVE_COLUMNS, "numbers")
    if last is not None and last.next_page_token and args.parallel is None:
        out.note(f"more numbers: continue with --page-token {last.next_page_token}")


async def _active_get(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    out.item(await client.active_numbers.get(args.phone_number))


async def _active_update(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    changes: dict[str, Any] = {}
    if args.display_name is not None:
        changes["display_name"] = args.display_name
    elif args.clear_display_name:
        changes["display_name"] = None
    if (sms := _sms(args)) is not None:
        changes["sms_configuration"] = sms
    if (voice := _voice(args)) is not None:
        changes["voice_configuration"] = voice
    if args.callback_url is not None:
        changes["callback_url"] = args.callback_url
    elif args.clear_callback_url:
        changes["callback_url"] = None
    if not changes:
        raise UsageError(
            "nothing to update: give --display-name, --service-plan-id, --campaign-id, "
            "--app-id, --trunk-id, --service-id, --callback-url or a --clear-... option"
        )
    out.item(await client.active_numbers.update(args.phone_number, **changes))


async def _active_release(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    out.item(await client.active_numbers.release(args.phone_number))


def _address(args: argparse.Namespace) -> EmergencyAddress:
    return EmergencyAddress(
        street_number=args.street_number,
        street_info=args.street_info,
        location=args.location,
        city=args.city,
        state=args.state,
        postal_code=args.postal_code,
        postal_code_plus_four=args.postal_code_plus_four,
    )


async def _address_get(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    out.item(await client.active_numbers.get_emergency_address(args.phone_number))


async def _address_provision(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    address = await client.active_numbers.provision_emergency_address(
        args.phone_number, display_name=args.display_name, address=_address(args)
    )
    out.item(address)


async def _address_validate(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    result = await client.active_numbers.validate_emergency_address(
        args.phone_number, display_name=args.display_name, address=_address(args)
    )
    out.item(result)


async def _address_deprovision(
    client: NumbersClient, args: argparse.Namespace, out: Output
) -> None:
    await client.active_numbers.deprovision_emergency_address(args.phone_number)
    out.done(f"Emergency address of {args.phone_number} removed.")


async def _regions_list(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    await out.listing(client.available_regions.list(types=args.types), REGION_COLUMNS, "regions")


async def _callbacks_get(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    out.item(await client.callback_configuration.get())


async def _callbacks_update(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    value: str = args.hmac_secret
    if value == "-":
        value = sys.stdin.readline().strip()
    out.item(await client.callback_configuration.update(hmac_secret=value))


async def _orders_requirements(
    client: NumbersClient, args: argparse.Namespace, out: Output
) -> None:
    requirements = await client.number_orders.lookup_requirements(
        region_code=args.region, number_type=args.type
    )
    out.item(requirements)


async def _orders_create(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    from ._order_models import QuantityOrderOption

    quantity: QuantityOrderOption | None = None
    if args.quantity is not None:
        quantity = QuantityOrderOption(
            args.quantity,
            number_pattern=args.pattern,
            search_pattern=args.search_pattern,
            capabilities=args.capability,
            sequential=True if args.sequential else None,
        )
    elif args.pattern or args.search_pattern or args.capability or args.sequential:
        raise UsageError(
            "--pattern, --search-pattern, --capability and --sequential go with --quantity"
        )
    order = await client.number_orders.create(
        region_code=args.region,
        number_type=args.type,
        phone_numbers=args.phone_number,
        quantity=quantity,
        sms_configuration=_sms(args),
        voice_configuration=_voice(args),
        callback_url=args.callback_url,
    )
    out.item(order)


async def _orders_get(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    out.item(await client.number_orders.get(args.order_id))


async def _orders_get_registration(
    client: NumbersClient, args: argparse.Namespace, out: Output
) -> None:
    out.item(await client.number_orders.get_registration(args.order_id))


def _read_details(value: str) -> dict[str, Any]:
    """``--details``: inline JSON, ``@file`` or ``-`` (stdin); it must be a JSON object."""
    where = "--details"
    if value == "-":
        text, where = sys.stdin.read(), "--details from stdin"
    elif value.startswith("@"):
        try:
            with open(value[1:], encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise UsageError(f"cannot read --details file {value[1:]!r}: {exc.strerror}") from None
        where = f"--details file {value[1:]!r}"
    else:
        text = value
    try:
        details = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{where} is not valid JSON: {exc}") from None
    if not isinstance(details, dict):
        raise UsageError(f"{where} must be a JSON object, got {type(details).__name__}")
    return details


async def _orders_update_registration(
    client: NumbersClient, args: argparse.Namespace, out: Output
) -> None:
    details = _read_details(args.details)
    out.item(await client.number_orders.update_registration(args.order_id, details))


async def _orders_upload(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    try:
        await client.number_orders.upload_attachment(
            args.order_id,
            args.attachment_id,
            args.file,
            document_type=args.document_type,
            file_name=args.file_name,
            content_type=args.content_type,
        )
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    out.done(f"Uploaded {args.file} as {args.attachment_id} of order {args.order_id}.")


async def _orders_submit(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    out.item(await client.number_orders.submit(args.order_id))


async def _orders_wait(client: NumbersClient, args: argparse.Namespace, out: Output) -> None:
    states = args.states or [NumberOrderState.COMPLETED]
    order = await client.number_orders.wait_for_state(
        args.order_id,
        states,
        timeout=args.max_wait,
        initial_interval=args.interval,
        max_interval=max(args.max_interval, args.interval),
    )
    out.item(order)


# --- standalone commands ------------------------------------------------------------------------


def _populate(emulator: NumbersEmulator, count: int) -> None:
    """Rent ``count`` numbers in the emulator: mostly US LOCAL, a fifth GB MOBILE, named."""
    mobile = count // 5
    if count - mobile:
        emulator.add_active_numbers(count - mobile, display_name="Line {i}")
    if mobile:
        emulator.add_active_numbers(
            mobile, region_code="GB", number_type="MOBILE", display_name="Mobile {i}"
        )


def _check_seconds(option: str, value: float, most: float = math.inf) -> None:
    if not (math.isfinite(value) and 0 <= value <= most):
        limit = "" if math.isinf(most) else f" and at most {most:g}"
        raise UsageError(f"{option} must be a number of seconds, 0 or more{limit}, got {value}")


async def _demo(args: argparse.Namespace, out: Output) -> int:
    from ._demo import MAX_PROVISIONING_DELAY, run_demo

    if args.numbers < 0:
        raise UsageError(f"--numbers must not be negative, got {args.numbers}")
    if args.page_size < 1:
        raise UsageError(f"--page-size must be at least 1, got {args.page_size}")
    _check_seconds("--provisioning-delay", args.provisioning_delay, MAX_PROVISIONING_DELAY)
    await run_demo(
        out.stdout,
        color=args.color,
        active_numbers=args.numbers,
        page_size=args.page_size,
        seed=args.seed,
        provisioning_delay=args.provisioning_delay,
    )
    return 0


async def _serve_emulator(args: argparse.Namespace, out: Output) -> int:
    """Serve until Ctrl-C or SIGTERM, then exit 0."""
    from .testing import DEFAULT_PORT, format_connection_info, serve_forever

    if args.active_numbers < 0:
        raise UsageError("--active-numbers must not be negative")
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(
            f"--port must be between 0 and 65535 (0 picks a free one), got {args.port}"
        )
    _check_seconds("--provisioning-delay", args.provisioning_delay)
    _check_seconds("--latency", args.latency)

    def ready(emulator: NumbersEmulator) -> None:
        _populate(emulator, args.active_numbers)
        if out.json_lines:
            info = {**emulator.connection_info(), "environment": emulator.environment()}
            out.stdout.write(json.dumps(info) + "\n")
        else:
            out.stdout.write(format_connection_info(emulator) + "\n")
        out.stdout.flush()
        out.stderr.write("Press Ctrl-C to stop.\n")
        out.stderr.flush()

    loop = asyncio.get_running_loop()
    server = asyncio.ensure_future(
        serve_forever(
            host=args.host,
            port=DEFAULT_PORT if args.port is None else args.port,
            on_ready=ready,
            seed=args.seed,
            provisioning_delay=args.provisioning_delay,
            latency=args.latency,
        )
    )
    stop = asyncio.Event()
    stopper = asyncio.ensure_future(stop.wait())
    # Ctrl-C and SIGTERM are the normal way to stop a server: a clean exit, not an error.
    signals = (signal.SIGINT, signal.SIGTERM)
    with contextlib.suppress(NotImplementedError):  # no loop signal handlers on Windows
        for signum in signals:
            loop.add_signal_handler(signum, stop.set)
    try:
        await asyncio.wait({server, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        with contextlib.suppress(NotImplementedError):
            for signum in signals:
                loop.remove_signal_handler(signum)
        server.cancel()
        stopper.cancel()
        await asyncio.wait({server, stopper})
    if not server.cancelled() and (error := server.exception()) is not None:
        raise error
    out.stderr.write("Emulator stopped.\n")
    return 0


# --- running -----------------------------------------------------------------------------------


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name in ("base_url", "auth_url", "auth", "timeout"):
        value = getattr(args, name)
        if value is not None:
            options[name] = value
    return options


async def _run(args: argparse.Namespace, out: Output) -> int:
    if args.standalone is not None:
        code: int = await args.standalone(args, out)
        return code
    handler: Handler = args.handler
    options = _client_options(args)
    if args.emulator:
        from .testing import NumbersEmulator

        options.pop("base_url", None)
        options.pop("auth_url", None)
        async with NumbersEmulator(provisioning_delay=0.2) as emulator:
            _populate(emulator, _EMULATOR_NUMBERS)
            async with emulator.client(**options) as client:
                await handler(client, args, out)
        return 0
    try:
        client = NumbersClient.from_env(**options)
    except ValueError as exc:
        if "missing environment variables" in str(exc):
            raise UsageError(
                f"{exc}: set them to your project ID and an access key from the Sinch "
                "dashboard, or add --emulator to try against an in-process emulator"
            ) from None
        raise
    async with client:
        await handler(client, args, out)
    return 0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _fail(message: str, code: int, stderr: TextIO) -> int:
    stderr.write(f"{PROG}: error: {message}\n")
    stderr.flush()
    return code


def _configure_logging(verbosity: int) -> None:
    if not verbosity:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    target = logging.getLogger() if verbosity > 1 else logging.getLogger("sinch_numbers")
    target.addHandler(handler)
    target.setLevel(logging.DEBUG)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sinch-numbers`` with ``argv`` (default: the process arguments); the exit status."""
    stderr = sys.stderr
    try:
        try:
            args = build_parser().parse_args(argv)
        except UsageError as exc:
            return _fail(str(exc), EXIT_USAGE, stderr)
        _configure_logging(args.verbose)
        out = Output(
            json_lines=args.json,
            progress=args.progress,
            show_secret=getattr(args, "show_secret", False),
        )
        return _guarded(args, out, stderr)
    except KeyboardInterrupt:
        # We are on our way out: a second Ctrl-C must not break the exit with a traceback.
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        stderr.write("\n")
        return _fail("interrupted", EXIT_INTERRUPTED, stderr)


def _guarded(args: argparse.Namespace, out: Output, stderr: TextIO) -> int:
    try:
        return asyncio.run(_run(args, out))
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE, stderr)
    except SinchNumbersError as exc:
        logger.debug("API error", exc_info=True)
        return _fail(_one_line(exc), EXIT_ERROR, stderr)
    except (ValueError, TypeError) as exc:
        # The SDK checks every argument before sending anything.
        logger.debug("bad input", exc_info=True)
        return _fail(_one_line(exc), EXIT_USAGE, stderr)
    except (CommandError, TimeoutError) as exc:
        return _fail(_one_line(exc), EXIT_ERROR, stderr)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, and keep Python's exit flush quiet.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        return _fail(_one_line(exc), EXIT_ERROR, stderr)
    except Exception as exc:
        logger.debug("unexpected error", exc_info=True)
        return _fail(
            f"unexpected {type(exc).__name__}: {_one_line(exc)} (run with -v for details)",
            EXIT_ERROR,
            stderr,
        )
