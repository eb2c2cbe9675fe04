"""The emulator's project state: active numbers (kept sorted for O(page) listing), scheduled
provisioning, emergency addresses, the callback configuration and outbound callbacks.

Everything here is mutated synchronously from request handlers on the event loop, so each
request's change is atomic; background work (provisioning timers, callback delivery) runs in
tasks tracked by `EmulatorState.spawn` and cancelled by `aclose`.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import hashlib
import hmac
import ipaddress
import json
import logging
import random
from collections import Counter, OrderedDict
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, NamedTuple, TypeVar

import aiohttp
from yarl import URL

from ._inventory import AvailableNumber, Inventory
from ._wire import (
    CAPABILITIES,
    VOICE_ID_FIELDS,
    format_callback_timestamp,
    format_timestamp,
    invalid_argument,
)

__all__ = [
    "ActiveNumber",
    "ActiveNumbers",
    "CallbackDelivery",
    "EmulatorState",
    "EmulatorStats",
    "ListQuery",
    "ScheduledSms",
    "ScheduledVoice",
    "matches_pattern",
]

logger = logging.getLogger("sinch_numbers.testing")

T = TypeVar("T")

_CALLBACK_ATTEMPTS: Final = 3
_CALLBACK_BACKOFF: Final = (0.1, 0.4)
_ULID_ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"


class CallbackDelivery(NamedTuple):
    """One attempt to POST a callback: `status` is None when the connection failed."""

    url: str
    body: bytes
    signature: str | None
    status: int | None


@dataclass(slots=True)
class EmulatorStats:
    """Counters since the emulator started (or since `reset`)."""

    requests: int = 0  # every HTTP request, token endpoint included
    api_requests: int = 0
    token_requests: int = 0
    tokens_issued: int = 0
    faults: Counter[str] = field(default_factory=Counter)  # keyed by Fault (a str enum)
    callbacks_delivered: int = 0  # callbacks answered with 2xx
    callbacks_failed: int = 0  # callbacks given up after all retries
    callbacks_skipped: int = 0  # callbacks to non-loopback hosts that were not sent

    def reset(self) -> None:
        """Zero every counter."""
        self.requests = self.api_requests = self.token_requests = self.tokens_issued = 0
        self.callbacks_delivered = self.callbacks_failed = self.callbacks_skipped = 0
        self.faults.clear()


@dataclass(slots=True)
class ScheduledSms:
    """A pending SMS (de)provisioning: the target values and its progress."""

    service_plan_id: str
    campaign_id: str
    status: str
    last_updated: str

    def to_json(self) -> dict[str, Any]:
        return {
            "servicePlanId": self.service_plan_id,
            "campaignId": self.campaign_id,
            "status": self.status,
            "lastUpdatedTime": self.last_updated,
            "errorCodes": [],
        }


@dataclass(slots=True)
class ScheduledVoice:
    """A pending voice (de)provisioning: target application type/id and its progress."""

    voice_type: str
    voice_id: str
    status: str
    last_updated: str

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.voice_type,
            VOICE_ID_FIELDS[self.voice_type]: self.voice_id,
            "status": self.status,
            "lastUpdatedTime": self.last_updated,
        }


@dataclass(slots=True, eq=False)
class ActiveNumber:
    """A rented number and everything the API reports about it."""

    source: AvailableNumber
    project_id: str
    next_charge_date: str
    expire_at: str | None
    display_name: str = ""
    callback_url: str = ""
    service_plan_id: str = ""
    campaign_id: str = ""
    scheduled_sms: ScheduledSms | None = None
    voice_type: str = "RTC"
    voice_id: str = ""
    voice_last_updated: str | None = None
    scheduled_voice: ScheduledVoice | None = None
    emergency_address: dict[str, Any] | None = None
    tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    @property
    def phone_number(self) -> str:
        return self.source.phone_number

    @property
    def region_code(self) -> str:
        return self.source.region.code

    @property
    def number_type(self) -> str:
        return self.source.spec.number_type

    @property
    def capability(self) -> tuple[str, ...]:
        return self.source.capability

    def to_json(self) -> dict[str, Any]:
        """The ActiveNumber wire object, nulls omitted."""
        spec = self.source.spec
        sms: dict[str, Any] = {
            "servicePlanId": self.service_plan_id,
            "campaignId": self.campaign_id,
        }
        if self.scheduled_sms is not None:
            sms["scheduledProvisioning"] = self.scheduled_sms.to_json()
        voice: dict[str, Any] = {
            "type": self.voice_type,
            VOICE_ID_FIELDS[self.voice_type]: self.voice_id,
        }
        if self.voice_last_updated is not None:
            voice["lastUpdatedTime"] = self.voice_last_updated
        if self.scheduled_voice is not None:
            voice["scheduledVoiceProvisioning"] = self.scheduled_voice.to_json()
        data: dict[str, Any] = {
            "phoneNumber": self.source.phone_number,
            "projectId": self.project_id,
            "displayName": self.display_name,
            "regionCode": self.source.region.code,
            "type": spec.number_type,
            "capability": list(self.source.capability),
            "money": {"currencyCode": spec.currency, "amount": spec.monthly_price},
            "paymentIntervalMonths": spec.payment_interval_months,
            "nextChargeDate": self.next_charge_date,
        }
        if self.expire_at is not None:
            data["expireAt"] = self.expire_at
        data["smsConfiguration"] = sms
        data["voiceConfiguration"] = voice
        data["callbackUrl"] = self.callback_url
        return data


def matches_pattern(phone: str, calling_code: str, pattern: str, search: str) -> bool:
    """Number-pattern semantics shared by search and list.

    A pattern with a leading `+` is compared with the whole E.164 number. A bare digit
    pattern with START matches the national number or the digits after `+`; CONTAINS and END
    compare with the digits.
    """
    if pattern.startswith("+"):
        if search == "START":
            return phone.startswith(pattern)
        if search == "END":
            return phone.endswith(pattern)
        return pattern in phone
    digits = phone[1:]
    if search == "START":
        return digits.startswith(pattern) or digits[len(calling_code) :].startswith(pattern)
    if search == "END":
        return digits.endswith(pattern)
    return pattern in digits


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The filters and ordering of an activeNumbers listing (what a page token is tied to)."""

    region_code: str | None = None
    number_type: str | None = None
    pattern: str | None = None
    search_pattern: str = "CONTAINS"
    capabilities: frozenset[str] = frozenset()
    order_by: str = "phoneNumber"

    def fingerprint(self) -> str:
        canon = json.dumps(
            [
                self.region_code,
                self.number_type,
                self.pattern,
                self.search_pattern if self.pattern else None,
                sorted(self.capabilities),
                self.order_by,
            ]
        )
        return hashlib.sha256(canon.encode()).hexdigest()[:16]

    def accepts(self, number: ActiveNumber) -> bool:
        source = number.source
        if self.region_code is not None and source.region.code != self.region_code:
            return False
        if self.number_type is not None and source.spec.number_type != self.number_type:
            return False
        if self.capabilities and not self.capabilities.issubset(source.capability):
            return False
        return not (
            self.pattern
            and not matches_pattern(
                source.phone_number, source.region.calling_code, self.pattern, self.search_pattern
            )
        )


SortKey = str | tuple[str, str]


class ActiveNumbers:
    """Active numbers by phone number, plus a sorted index and a small cache of filtered,
    ordered key lists so that walking pages costs O(log n + page) per request."""

    _CACHE_SIZE: Final = 16

    def __init__(self) -> None:
        self._by_phone: dict[str, ActiveNumber] = {}
        self._phones: list[str] = []
        self._version = 0  # bumped on add/remove/rename
        self._cache: OrderedDict[ListQuery, tuple[int, list[Any]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_phone)

    def __contains__(self, phone: object) -> bool:
        return phone in self._by_phone

    def get(self, phone: str) -> ActiveNumber | None:
        return self._by_phone.get(phone)

    def phones(self) -> Sequence[str]:
        """All active phone numbers, sorted."""
        return self._phones

    def add(self, number: ActiveNumber) -> None:
        self._by_phone[number.phone_number] = number
        bisect.insort(self._phones, number.phone_number)
        self._version += 1

    def add_many(self, numbers: Iterable[ActiveNumber]) -> None:
        for number in numbers:
            self._by_phone[number.phone_number] = number
        self._phones = sorted(self._by_phone)
        self._version += 1

    def remove(self, phone: str) -> ActiveNumber | None:
        number = self._by_phone.pop(phone, None)
        if number is not None:
            del self._phones[bisect.bisect_left(self._phones, phone)]
            self._version += 1
        return number

    def rename(self, number: ActiveNumber, display_name: str) -> None:
        if number.display_name != display_name:
            number.display_name = display_name
            self._version += 1

    def keys(self, query: ListQuery) -> list[Any]:
        """Sort keys of all numbers matching `query`, in its order: phone numbers, or
        `(displayName, phoneNumber)` pairs."""
        unfiltered = query.region_code is None and query.number_type is None
        unfiltered = unfiltered and not query.pattern and not query.capabilities
        if unfiltered and query.order_by == "phoneNumber":
            return self._phones
        cached = self._cache.get(query)
        if cached is not None and cached[0] == self._version:
            self._cache.move_to_end(query)
            return cached[1]
        by_phone = self._by_phone
        matching = [by_phone[p] for p in self._phones if query.accepts(by_phone[p])]
        keys: list[Any]
        if query.order_by == "displayName":
            keys = sorted((n.display_name, n.phone_number) for n in matching)
        else:
            keys = [n.phone_number for n in matching]
        self._cache[query] = (self._version, keys)
        if len(self._cache) > self._CACHE_SIZE:
            self._cache.popitem(last=False)
        return keys

    def number_for_key(self, key: SortKey) -> ActiveNumber:
        phone = key if isinstance(key, str) else key[1]
        return self._by_phone[phone]


def _now() -> datetime:
    return datetime.now(UTC)


def is_loopback_url(url: str) -> bool:
    """True if `url` is http(s) to 127.0.0.0/8, ::1 or localhost."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        return False
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return False
    host = parsed.host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EmulatorState:
    """The single project the emulator serves, and its background machinery."""

    def __init__(
        self,
        *,
        seed: int,
        project_id: str,
        hmac_secret: str | None,
        provisioning_delay: float,
        allow_external_callbacks: bool,
        stats: EmulatorStats,
    ) -> None:
        self.seed = seed
        self.project_id = project_id
        self.hmac_secret = hmac_secret
        self.provisioning_delay = provisioning_delay
        self.allow_external_callbacks = allow_external_callbacks
        self.stats = stats
        self.inventory = Inventory(seed)
        self.numbers = ActiveNumbers()
        self.events: list[dict[str, Any]] = []
        self.callbacks_sent: list[CallbackDelivery] = []
        self._rng = random.Random(f"sinch-numbers-emulator/events/{seed}")
        self._token_key = hashlib.sha256(f"sinch-numbers-emulator/page/{seed}".encode()).digest()
        self._extensions: dict[str, Any] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._delivered: asyncio.Condition | None = None
        self._closed = False

    # -- plumbing shared with extensions ------------------------------------------------

    def extension(self, name: str, factory: Callable[[], T]) -> T:
        """Per-emulator state of an extension module (e.g. number orders), made on first use."""
        if name not in self._extensions:
            self._extensions[name] = factory()
        value: T = self._extensions[name]
        return value

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Run `coro` in the background; it is cancelled when the emulator stops."""
        if self._closed:
            coro.close()
            raise RuntimeError("the emulator is stopped")
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("emulator background task failed", exc_info=task.exception())

    @staticmethod
    def now() -> datetime:
        return _now()

    def new_id(self) -> str:
        """A 26-character lowercase ULID-like id, deterministic from the seed."""
        return "".join(self._rng.choice(_ULID_ALPHABET) for _ in range(26))

    def open(self) -> None:
        """Allow background work again (after a previous `aclose`), on the running loop."""
        self._closed = False
        self._delivered = asyncio.Condition()

    def _condition(self) -> asyncio.Condition:
        if self._delivered is None:
            self._delivered = asyncio.Condition()
        return self._delivered

    async def aclose(self) -> None:
        """Cancel background tasks and close the callback HTTP session."""
        self._closed = True
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._tasks.difference_update(tasks)
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- page tokens -------------------------------------------------------------------

    def encode_page_token(self, query: ListQuery, last_key: SortKey) -> str:
        """An opaque, signed token for the page after `last_key` under `query`."""
        payload = json.dumps({"f": query.fingerprint(), "k": last_key}, separators=(",", ":"))
        raw = payload.encode()
        tag = hmac.new(self._token_key, raw, hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(tag + raw).decode().rstrip("=")

    def decode_page_token(self, query: ListQuery, token: str) -> SortKey:
        """The last key a token points after; 400 if it is forged or made for other filters."""
        try:
            blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            tag, raw = blob[:12], blob[12:]
            good = hmac.compare_digest(
                tag, hmac.new(self._token_key, raw, hashlib.sha256).digest()[:12]
            )
            data = json.loads(raw) if good else None
        except (ValueError, TypeError):
            data = None
        if not isinstance(data, dict):
            raise invalid_argument(
                "invalid page token", ("pageToken", "the page token is not valid")
            )
        if data.get("f") != query.fingerprint():
            raise invalid_argument(
                "page token does not match the request: keep all filters and orderBy unchanged",
                ("pageToken", "the page token was issued for a different query"),
            )
        key = data.get("k")
        if isinstance(key, str):
            return key
        if isinstance(key, list) and len(key) == 2 and all(isinstance(k, str) for k in key):
            return (key[0], key[1])
        raise invalid_argument("invalid page token", ("pageToken", "the page token is not valid"))

    # -- numbers ------------------------------------------------------------------------

    def activate(
        self,
        available: AvailableNumber,
        *,
        display_name: str = "",
        callback_url: str = "",
        when: datetime | None = None,
    ) -> ActiveNumber:
        """Move an available number into the project (it must already be out of its pool)."""
        moment = when or _now()
        next_charge = moment + timedelta(days=30)
        number = ActiveNumber(
            source=available,
            project_id=self.project_id,
            next_charge_date=format_timestamp(next_charge),
            expire_at=format_timestamp(next_charge + timedelta(days=30)),
            display_name=display_name,
            callback_url=callback_url,
        )
        self.numbers.add(number)
        return number

    def rent(self, available: AvailableNumber, *, callback_url: str = "") -> ActiveNumber:
        """Take `available` out of its pool and activate it."""
        pool = self.inventory.pool(available.region.code, available.spec.number_type)
        if pool is not None:
            pool.take(available.phone_number)
        return self.activate(available, callback_url=callback_url)

    def release(self, phone: str) -> ActiveNumber | None:
        """Remove a number from the project and put it back on sale."""
        number = self.numbers.remove(phone)
        if number is None:
            return None
        for task in number.tasks.values():
            task.cancel()
        number.tasks.clear()
        pool = self.inventory.pool(number.region_code, number.number_type)
        if pool is not None:
            pool.put(number.source)
        return number

    def bulk_activate(
        self,
        count: int,
        *,
        region_code: str = "US",
        number_type: str = "LOCAL",
        capabilities: Sequence[str] | None = None,
        display_name: str | Callable[[int], str] = "",
        callback_url: str = "",
        service_plan_id: str = "",
        campaign_id: str = "",
        voice_type: str = "RTC",
        voice_id: str = "",
    ) -> list[ActiveNumber]:
        """Fast path: make `count` already-provisioned active numbers at once."""
        if voice_type not in VOICE_ID_FIELDS:
            raise ValueError(f"voice_type must be one of {', '.join(VOICE_ID_FIELDS)}")
        if capabilities is not None and not set(capabilities) <= set(CAPABILITIES):
            raise ValueError(f"capabilities must be among {', '.join(CAPABILITIES)}")
        fresh = self.inventory.bulk_numbers(region_code, number_type, count, self.numbers)
        moment = _now()
        next_charge = format_timestamp(moment + timedelta(days=30))
        expire = format_timestamp(moment + timedelta(days=60))
        capability = tuple(capabilities) if capabilities is not None else None
        voice_updated = format_timestamp(moment) if voice_id else None
        made: list[ActiveNumber] = []
        for i, available in enumerate(fresh):
            if capability is not None:
                available = AvailableNumber(
                    available.phone_number, available.region, available.spec, capability
                )
            name = display_name(i) if callable(display_name) else display_name
            made.append(
                ActiveNumber(
                    source=available,
                    project_id=self.project_id,
                    next_charge_date=next_charge,
                    expire_at=expire,
                    display_name=name,
                    callback_url=callback_url,
                    service_plan_id=service_plan_id,
                    campaign_id=campaign_id,
                    voice_type=voice_type,
                    voice_id=voice_id,
                    voice_last_updated=voice_updated,
                )
            )
        self.numbers.add_many(made)
        return made

    # -- provisioning ------------------------------------------------------------------

    def schedule_sms(self, number: ActiveNumber, service_plan_id: str, campaign_id: str) -> None:
        """Start moving the number's SMS configuration to the given values (asking for the
        current values again cancels a pending change)."""
        if number.service_plan_id == service_plan_id and number.campaign_id == campaign_id:
            self._cancel(number, "sms")
            number.scheduled_sms = None
            return
        self.check_sms_change(number, service_plan_id)
        scheduled = ScheduledSms(service_plan_id, campaign_id, "WAITING", format_timestamp(_now()))
        number.scheduled_sms = scheduled
        self._restart(number, "sms", self._run_sms(number, scheduled))

    @staticmethod
    def check_sms_change(number: ActiveNumber, service_plan_id: str) -> None:
        """400 if the number is linked to another service plan (Sinch wants an unlink first)."""
        if number.service_plan_id and service_plan_id and service_plan_id != number.service_plan_id:
            raise invalid_argument(
                "the number is linked to another service plan: unlink it first by setting "
                'smsConfiguration.servicePlanId to ""',
                ("smsConfiguration.servicePlanId", "number already linked to a service plan"),
            )

    def schedule_voice(self, number: ActiveNumber, voice_type: str, voice_id: str) -> None:
        """Start moving the number's voice configuration to the given application (asking for
        the current one again cancels a pending change)."""
        if number.voice_type == voice_type and number.voice_id == voice_id:
            self._cancel(number, "voice")
            number.scheduled_voice = None
            return
        scheduled = ScheduledVoice(voice_type, voice_id, "WAITING", format_timestamp(_now()))
        number.scheduled_voice = scheduled
        self._restart(number, "voice", self._run_voice(number, scheduled))

    @staticmethod
    def _cancel(number: ActiveNumber, kind: str) -> None:
        task = number.tasks.pop(kind, None)
        if task is not None:
            task.cancel()

    def _restart(self, number: ActiveNumber, kind: str, coro: Coroutine[Any, Any, None]) -> None:
        self._cancel(number, kind)
        task = self.spawn(coro)
        number.tasks[kind] = task
        task.add_done_callback(
            lambda t: number.tasks.pop(kind, None) if number.tasks.get(kind) is t else None
        )

    async def _progress(self, scheduled: ScheduledSms | ScheduledVoice) -> None:
        """WAITING for half the delay, IN_PROGRESS for the other half."""
        half = self.provisioning_delay / 2
        await asyncio.sleep(half)
        scheduled.status = "IN_PROGRESS"
        scheduled.last_updated = format_timestamp(_now())
        await asyncio.sleep(half)

    async def _run_sms(self, number: ActiveNumber, scheduled: ScheduledSms) -> None:
        await self._progress(scheduled)
        if (
            number.scheduled_sms is not scheduled
            or self.numbers.get(number.phone_number) is not number
        ):
            return
        old_plan = number.service_plan_id
        number.service_plan_id = scheduled.service_plan_id
        number.campaign_id = scheduled.campaign_id
        number.scheduled_sms = None
        if old_plan != scheduled.service_plan_id:
            event = (
                "PROVISIONING_TO_SMS_PLATFORM"
                if scheduled.service_plan_id
                else "DEPROVISIONING_FROM_SMS_PLATFORM"
            )
        else:
            event = (
                "PROVISIONING_TO_CAMPAIGN"
                if scheduled.campaign_id
                else "DEPROVISIONING_FROM_CAMPAIGN"
            )
        self.emit_number_event(number, event)

    async def _run_voice(self, number: ActiveNumber, scheduled: ScheduledVoice) -> None:
        await self._progress(scheduled)
        if (
            number.scheduled_voice is not scheduled
            or self.numbers.get(number.phone_number) is not number
        ):
            return
        number.voice_type = scheduled.voice_type
        number.voice_id = scheduled.voice_id
        number.voice_last_updated = format_timestamp(_now())
        number.scheduled_voice = None
        event = (
            "PROVISIONING_TO_VOICE_PLATFORM"
            if scheduled.voice_id
            else "DEPROVISIONING_FROM_VOICE_PLATFORM"
        )
        self.emit_number_event(number, event)

    # -- callbacks ---------------------------------------------------------------------

    def emit_number_event(
        self, number: ActiveNumber, event_type: str, status: str = "SUCCEEDED"
    ) -> None:
        """Send an ACTIVE_NUMBER event to the number's callbackUrl (if it has one)."""
        payload: dict[str, Any] = {
            "eventId": self.new_id(),
            "timestamp": format_callback_timestamp(_now()),
            "projectId": self.project_id,
            "resourceId": number.phone_number,
            "resourceType": "ACTIVE_NUMBER",
            "eventType": event_type,
            "status": status,
            "failureCode": None,
        }
        self.emit_event(number.callback_url, payload)

    def emit_event(self, url: str, payload: dict[str, Any]) -> None:
        """Record a callback event and deliver it to `url` in the background (signed with the
        project's hmacSecret). Only loopback URLs are contacted unless external callbacks
        were allowed."""
        self.events.append(payload)
        if not url:
            return
        if not (self.allow_external_callbacks or is_loopback_url(url)):
            self.stats.callbacks_skipped += 1
            logger.warning(
                "callback to non-loopback host not sent (allow_external_callbacks is off)"
            )
            return
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.spawn(self._deliver(url, body))

    def sign(self, body: bytes) -> str | None:
        """`X-Sinch-Signature` for a body: lowercase hex HMAC-SHA1 keyed with hmacSecret."""
        if not self.hmac_secret:
            return None
        return hmac.new(self.hmac_secret.encode(), body, hashlib.sha1).hexdigest()

    async def _deliver(self, url: str, body: bytes) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        signature = self.sign(body)
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Sinch-Signature"] = signature
        for attempt in range(_CALLBACK_ATTEMPTS):
            status: int | None = None
            try:
                async with self._session.post(url, data=body, headers=headers) as resp:
                    status = resp.status
                    await resp.read()
            except (aiohttp.ClientError, TimeoutError, OSError):
                status = None
            self.callbacks_sent.append(CallbackDelivery(url, body, signature, status))
            if status is not None and 200 <= status < 300:
                self.stats.callbacks_delivered += 1
                condition = self._condition()
                async with condition:
                    condition.notify_all()
                return
            if attempt < len(_CALLBACK_BACKOFF):
                await asyncio.sleep(_CALLBACK_BACKOFF[attempt])
        self.stats.callbacks_failed += 1

    async def wait_callbacks(self, n: int, timeout: float) -> None:
        """Wait until at least `n` callbacks were delivered (2xx) in total."""
        condition = self._condition()
        async with condition:
            try:
                await asyncio.wait_for(
                    condition.wait_for(lambda: self.stats.callbacks_delivered >= n), timeout
                )
            except TimeoutError:
                raise TimeoutError(
                    f"{self.stats.callbacks_delivered} of {n} callbacks delivered after {timeout} s"
                ) from None
