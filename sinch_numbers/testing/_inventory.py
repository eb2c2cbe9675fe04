"""The emulator's catalogue of regions and its pool of available numbers.

Every (region, type) pool is generated on first use from the emulator's seed, so the same
seed always offers the same numbers; generation is a few milliseconds per pool. Rented numbers
leave their pool and released ones go back in. `add_active_numbers` draws from a separate
"bulk" prefix per pool so thousands of numbers can be made without touching the catalogue.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

__all__ = ["REGIONS", "AvailableNumber", "Inventory", "NumberPool", "RegionSpec", "TypeSpec"]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """How numbers of one type look and cost in one region."""

    number_type: str
    prefixes: tuple[str, ...]  # national prefixes of catalogue numbers
    national_length: int  # digits after the country code
    count: int  # catalogue size
    currency: str
    setup_price: str  # decimal strings, exactly as the API sends them
    monthly_price: str
    capabilities: tuple[tuple[tuple[str, ...], int], ...]  # (capability combo, weight)
    bulk_prefix: str  # prefix for add_active_numbers(), disjoint from `prefixes`
    documentation_required: bool = False
    payment_interval_months: int = 1


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """A region: ISO code, display name, country calling code and its number types."""

    code: str
    name: str
    calling_code: str
    types: tuple[TypeSpec, ...]

    def type_spec(self, number_type: str) -> TypeSpec | None:
        """The spec of `number_type` in this region, or None if the region has none."""
        for spec in self.types:
            if spec.number_type == number_type:
                return spec
        return None


_SV: Final = (("SMS", "VOICE"),)
_BOTH_MOSTLY: Final = ((("SMS", "VOICE"), 7), (("VOICE",), 2), (("SMS",), 1))
_VOICE_MOSTLY: Final = ((("VOICE",), 8), (("SMS", "VOICE"), 2))
_SMS_VOICE: Final = ((_SV[0], 1),)
_VOICE_ONLY: Final = ((("VOICE",), 1),)

#: The regions the emulator sells numbers in (sorted by code).
REGIONS: Final[tuple[RegionSpec, ...]] = (
    RegionSpec(
        "AU",
        "Australia",
        "61",
        (
            TypeSpec("MOBILE", ("40", "41", "42", "43"), 9, 150, "AUD", "0.00", "6.50", _SMS_VOICE,
                     "48", True),
            TypeSpec("LOCAL", ("2", "3", "7"), 9, 150, "AUD", "0.00", "4.00", _VOICE_ONLY, "8",
                     True),
        ),
    ),
    RegionSpec(
        "CA",
        "Canada",
        "1",
        (
            TypeSpec(
                "LOCAL",
                ("204", "236", "250", "289", "343", "403", "416", "437", "514", "604", "613"),
                10, 300, "USD", "1.00", "1.50", _BOTH_MOSTLY, "647",
            ),
            TypeSpec("TOLL_FREE", ("877",), 10, 80, "USD", "2.00", "2.50", _SMS_VOICE, "866"),
        ),
    ),
    RegionSpec(
        "DE",
        "Germany",
        "49",
        (
            TypeSpec("MOBILE", ("151", "160", "170"), 11, 200, "EUR", "0.00", "5.00", _SMS_VOICE,
                     "176", True),
            TypeSpec("LOCAL", ("30", "40"), 10, 200, "EUR", "0.00", "1.20", _VOICE_ONLY, "89",
                     True),
            TypeSpec("TOLL_FREE", ("800",), 10, 50, "EUR", "15.00", "12.00", _VOICE_ONLY, "801",
                     True),
        ),
    ),
    RegionSpec(
        "FR",
        "France",
        "33",
        (TypeSpec("MOBILE", ("6",), 9, 100, "EUR", "0.00", "3.0", _SMS_VOICE, "7", True),),
    ),
    RegionSpec(
        "GB",
        "United Kingdom",
        "44",
        (
            TypeSpec("MOBILE", ("7451", "7480", "7520"), 10, 300, "GBP", "0.00", "1.00",
                     _SMS_VOICE, "7700"),
            TypeSpec("LOCAL", ("20", "121"), 10, 300, "GBP", "0.00", "0.75", _VOICE_MOSTLY, "161",
                     True),
            TypeSpec("TOLL_FREE", ("800",), 10, 60, "GBP", "5.00", "4.00", _VOICE_ONLY, "808"),
        ),
    ),
    RegionSpec(
        "NL",
        "Netherlands",
        "31",
        (TypeSpec("MOBILE", ("61", "62"), 9, 100, "EUR", "0.00", "1.10", _SMS_VOICE, "68", True),),
    ),
    RegionSpec(
        "SE",
        "Sweden",
        "46",
        (
            TypeSpec("MOBILE", ("70", "72", "73"), 9, 200, "EUR", "0", "0.8", _SMS_VOICE, "76"),
            TypeSpec("LOCAL", ("8",), 9, 150, "EUR", "0", "0.50", _VOICE_ONLY, "31", True),
        ),
    ),
    RegionSpec(
        "US",
        "United States",
        "1",
        (
            TypeSpec(
                "LOCAL",
                (
                    "201", "202", "206", "208", "212", "303", "312", "415", "512", "617",
                    "646", "702", "718", "805", "917",
                ),
                10, 900, "USD", "1.00", "2.00", _BOTH_MOSTLY, "213",
            ),
            TypeSpec("TOLL_FREE", ("800", "833", "844", "855"), 10, 200, "USD", "2.00", "2.50",
                     _SMS_VOICE, "888"),
        ),
    ),
)  # fmt: skip

_REGIONS_BY_CODE: Final = {r.code: r for r in REGIONS}


@dataclass(frozen=True, slots=True)
class AvailableNumber:
    """A number that can be rented, with what the API says about it."""

    phone_number: str
    region: RegionSpec
    spec: TypeSpec
    capability: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The AvailableNumber wire object."""
        spec = self.spec
        return {
            "phoneNumber": self.phone_number,
            "regionCode": self.region.code,
            "type": spec.number_type,
            "capability": list(self.capability),
            "setupPrice": {"currencyCode": spec.currency, "amount": spec.setup_price},
            "monthlyPrice": {"currencyCode": spec.currency, "amount": spec.monthly_price},
            "paymentIntervalMonths": spec.payment_interval_months,
            "supportingDocumentationRequired": spec.documentation_required,
        }


@dataclass(slots=True)
class NumberPool:
    """The available numbers of one (region, type), sorted by phone number."""

    region: RegionSpec
    spec: TypeSpec
    phones: list[str] = field(default_factory=list)
    numbers: dict[str, AvailableNumber] = field(default_factory=dict)
    bulk_next: int = 0

    def put(self, number: AvailableNumber) -> None:
        """Make `number` available (again)."""
        if number.phone_number not in self.numbers:
            bisect.insort(self.phones, number.phone_number)
            self.numbers[number.phone_number] = number

    def take(self, phone_number: str) -> AvailableNumber | None:
        """Remove and return `phone_number` if it is available."""
        number = self.numbers.pop(phone_number, None)
        if number is not None:
            i = bisect.bisect_left(self.phones, phone_number)
            del self.phones[i]
        return number

    def __iter__(self) -> Iterator[AvailableNumber]:
        numbers = self.numbers
        return (numbers[p] for p in self.phones)


def _pick_capability(
    rng: random.Random, combos: Sequence[tuple[tuple[str, ...], int]]
) -> tuple[str, ...]:
    return rng.choices([c for c, _ in combos], weights=[w for _, w in combos])[0]


class Inventory:
    """All pools of one emulator, generated lazily and deterministically from `seed`."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._pools: dict[tuple[str, str], NumberPool] = {}

    @staticmethod
    def region(code: str) -> RegionSpec | None:
        """The region with ISO code `code`, or None."""
        return _REGIONS_BY_CODE.get(code)

    @staticmethod
    def regions() -> tuple[RegionSpec, ...]:
        """All regions, sorted by code."""
        return REGIONS

    def pool(self, region_code: str, number_type: str) -> NumberPool | None:
        """The pool of (region, type), generating it on first use; None if not sold."""
        key = (region_code, number_type)
        pool = self._pools.get(key)
        if pool is not None:
            return pool
        region = _REGIONS_BY_CODE.get(region_code)
        spec = region.type_spec(number_type) if region else None
        if region is None or spec is None:
            return None
        pool = NumberPool(region, spec)
        rng = random.Random(f"sinch-numbers-emulator/{self._seed}/{region_code}/{number_type}")
        prefix_cc = "+" + region.calling_code
        phones: set[str] = set()
        while len(phones) < spec.count:
            prefix = rng.choice(spec.prefixes)
            rest = spec.national_length - len(prefix)
            # First digit after the prefix is 2-9: valid exchange codes in NANP, harmless elsewhere.
            digits = str(rng.randint(2, 9)) + "".join(
                str(rng.randint(0, 9)) for _ in range(rest - 1)
            )
            phones.add(prefix_cc + prefix + digits)
        pool.phones = sorted(phones)
        pool.numbers = {
            p: AvailableNumber(p, region, spec, _pick_capability(rng, spec.capabilities))
            for p in pool.phones
        }
        self._pools[key] = pool
        return pool

    def locate(self, phone_number: str) -> NumberPool | None:
        """The pool a phone number belongs to (by calling code and prefix), or None."""
        for region in REGIONS:
            cc = "+" + region.calling_code
            if not phone_number.startswith(cc):
                continue
            national = phone_number[len(cc) :]
            for spec in region.types:
                if len(national) != spec.national_length:
                    continue
                if national.startswith((spec.bulk_prefix, *spec.prefixes)):
                    return self.pool(region.code, spec.number_type)
        return None

    def get(self, phone_number: str) -> AvailableNumber | None:
        """The available number `phone_number`, or None (unknown or rented)."""
        pool = self.locate(phone_number)
        return pool.numbers.get(phone_number) if pool else None

    def bulk_numbers(
        self, region_code: str, number_type: str, count: int, taken: Container[str]
    ) -> list[AvailableNumber]:
        """`count` fresh numbers from the pool's bulk range, skipping any in `taken`."""
        pool = self.pool(region_code, number_type)
        if pool is None:
            raise ValueError(f"the emulator sells no {number_type} numbers in {region_code}")
        spec, region = pool.spec, pool.region
        head = "+" + region.calling_code + spec.bulk_prefix
        width = spec.national_length - len(spec.bulk_prefix)
        capacity = 10**width
        default_capability = spec.capabilities[0][0]
        result: list[AvailableNumber] = []
        n = pool.bulk_next
        if count > capacity - n:
            # Checked first: building millions of numbers only to fail takes seconds and GBs.
            raise ValueError(
                f"the emulator can make at most {capacity - n} more {region_code} "
                f"{number_type} numbers, {count} asked for"
            )
        while len(result) < count:
            if n >= capacity:
                raise ValueError(f"bulk range of {region_code} {number_type} is exhausted")
            phone = f"{head}{n:0{width}d}"
            n += 1
            if phone in taken or phone in pool.numbers:
                continue
            result.append(AvailableNumber(phone, region, spec, default_capability))
        pool.bulk_next = n
        return result
