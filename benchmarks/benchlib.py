"""Shared pieces of the benchmark harness: the synthetic data set, the per-item touch, memory
probes and the client-side command line, so that server, clients and orchestrator agree."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

PROJECT_ID = "bench-project-6f1c2a"
KEY_ID = "bench-key-id"
KEY_SECRET = "bench-key-secret"
ACCESS_TOKEN = "bench-access-token-0123456789abcdef"

# Ten-digit NANP numbers counted up from here: unique for any realistic total, and the last
# digit cycles 0-9 so a split by last digit gives ten equal streams.
_PHONE_BASE = 2015550000

_NUMBER_TYPES = ("LOCAL", "MOBILE", "TOLL_FREE")
_VOICE = (
    ("RTC", "appId", "f5f5e3c2-7a4b-4c1d-9e0f-3b2a1c0d9e8f"),
    ("EST", "trunkId", "01W4FFL35P4NC4K35SIPTRUNK00"),
    ("FAX", "serviceId", "01W4FFL35P4NC4K35FAXSERVICE"),
)
_STATUSES = ("WAITING", "IN_PROGRESS", "FAILED")


def phone_number(index: int) -> str:
    """E.164 number of the index-th active number."""
    return f"+1{_PHONE_BASE + index:010d}"


def index_of(phone: str) -> int | None:
    """Inverse of phone_number(), or None for a number outside the data set's shape."""
    if len(phone) != 12 or not phone.startswith("+1") or not phone[2:].isdigit():
        return None
    index = int(phone[2:]) - _PHONE_BASE
    return index if index >= 0 else None


def amount(index: int) -> str:
    """Monthly price as the wire sends it: a decimal string."""
    return f"{1 + (index % 13) * 0.25:.2f}"


def _stamp(index: int, year: int) -> str:
    return (
        f"{year}-{1 + index % 12:02d}-{1 + index % 28:02d}"
        f"T{index % 24:02d}:{index % 60:02d}:{(index * 7) % 60:02d}.{index % 1000000:06d}Z"
    )


def active_number(index: int, project_id: str = PROJECT_ID) -> dict[str, Any]:
    """One ActiveNumber with every field of the spec's ActiveNumberResponse filled in."""
    voice_type, voice_key, voice_id = _VOICE[index % 3]
    status = _STATUSES[index % 3]
    return {
        "phoneNumber": phone_number(index),
        "projectId": project_id,
        "displayName": f"Customer support line {index}",
        "regionCode": "US",
        "type": _NUMBER_TYPES[(index // 3) % 3],
        "capability": ["SMS", "VOICE"] if index % 4 else ["SMS"],
        "money": {"currencyCode": "USD", "amount": amount(index)},
        "paymentIntervalMonths": 1 if index % 5 else 12,
        "nextChargeDate": _stamp(index, 2025),
        "expireAt": _stamp(index, 2026),
        "smsConfiguration": {
            "servicePlanId": "82b42acf74924bb194c2e1bd5c1a3b7c",
            "campaignId": "CX4F2WD",
            "scheduledProvisioning": {
                "servicePlanId": "d7c7b1c8a4f54e0f9b0b7e0c1a2b3c4d",
                "campaignId": "CY7K3PQ",
                "status": status,
                "lastUpdatedTime": _stamp(index + 1, 2024),
                "errorCodes": ["CAMPAIGN_PENDING_ACCEPTANCE"] if status == "FAILED" else [],
            },
        },
        "voiceConfiguration": {
            "type": voice_type,
            voice_key: voice_id,
            "lastUpdatedTime": _stamp(index + 2, 2024),
            "scheduledVoiceProvisioning": {
                "type": voice_type,
                voice_key: voice_id,
                "status": status,
                "lastUpdatedTime": _stamp(index + 3, 2024),
            },
        },
        "callbackUrl": "https://www.your-callback-server.com/callback",
    }


def touch(phone: str, money_amount: object) -> int:
    """Reads the two fields every client must materialise; the sum proves nothing was skipped.

    str() on the amount works alike for the wire string and for a Decimal, which keeps the
    checksum identical across clients.
    """
    return int(phone[-4:]) + len(str(money_amount))


def expected_checksum(indices: Iterable[int]) -> int:
    return sum(touch(phone_number(i), amount(i)) for i in indices)


# --- memory -----------------------------------------------------------------------------------


def _status_kib(name: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def memory_baseline_kib() -> int:
    """Current RSS, after resetting the kernel's peak so imports do not count as growth."""
    try:
        # "5" resets VmHWM to the current RSS (Linux >= 4.0).
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass
    rss = _status_kib("VmRSS")
    return rss if rss is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_peak_kib() -> int:
    peak = _status_kib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --- client side --------------------------------------------------------------------------------


class Unsupported(Exception):
    """The client cannot run this variant (e.g. the SDK has no parallel listing yet)."""


@dataclass(frozen=True)
class ClientConfig:
    client: str
    scenario: str
    mode: str
    base_url: str
    auth_url: str
    project_id: str
    key_id: str
    key_secret: str
    total: int
    page_size: int
    gets: int
    concurrency: int
    parallel: int | None

    def phones(self) -> list[str]:
        """The numbers the get scenario asks for, in order."""
        return [phone_number(i % self.total) for i in range(self.gets)]


@dataclass
class ClientResult:
    client: str
    scenario: str
    status: str = "ok"
    wall_s: float | None = None
    items: int = 0
    checksum: int = 0
    rss_base_kib: int | None = None
    rss_peak_kib: int | None = None
    rss_growth_kib: int | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)


def parse_client_args(client: str, argv: list[str] | None = None) -> ClientConfig:
    parser = argparse.ArgumentParser(description=f"benchmark client: {client}")
    parser.add_argument("--label", default=client, help="client name in the result")
    parser.add_argument("--scenario", default="adhoc")
    parser.add_argument("--mode", choices=("list", "get"), required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--auth-url", required=True, help="full token URL")
    parser.add_argument("--project-id", default=PROJECT_ID)
    parser.add_argument("--key-id", default=KEY_ID)
    parser.add_argument("--key-secret", default=KEY_SECRET)
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--gets", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--parallel", type=int, default=None)
    ns = parser.parse_args(argv)
    return ClientConfig(
        client=ns.label,
        scenario=ns.scenario,
        mode=ns.mode,
        base_url=ns.base_url.rstrip("/"),
        auth_url=ns.auth_url,
        project_id=ns.project_id,
        key_id=ns.key_id,
        key_secret=ns.key_secret,
        total=ns.total,
        page_size=ns.page_size,
        gets=ns.gets,
        concurrency=ns.concurrency,
        parallel=ns.parallel,
    )


def measure(
    config: ClientConfig,
    work: Callable[[], tuple[int, int]],
    notes: list[str] | None = None,
) -> ClientResult:
    """Runs work() -> (items, checksum) once, timing it and recording peak RSS growth."""
    result = ClientResult(client=config.client, scenario=config.scenario, notes=notes or [])
    base = memory_baseline_kib()
    started = time.perf_counter()
    try:
        result.items, result.checksum = work()
    except Unsupported as exc:
        result.status, result.error = "unsupported", str(exc)
    except Exception as exc:
        result.status = "error"
        result.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)
    result.wall_s = time.perf_counter() - started
    peak = memory_peak_kib()
    result.rss_base_kib, result.rss_peak_kib = base, peak
    result.rss_growth_kib = max(0, peak - base)
    return result


def emit(result: ClientResult) -> int:
    """Prints the result as the last stdout line (the orchestrator reads that line)."""
    print(json.dumps(asdict(result)), flush=True)
    return 0 if result.status in ("ok", "unsupported") else 1
