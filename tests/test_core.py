"""The core SDK against a scripted server: URLs, query encoding, models, pagination, errors."""

from __future__ import annotations

import asyncio
import base64
import types
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import sinch_numbers as sn
from sinch_numbers import (
    Capability,
    NumberType,
    OrderBy,
    SearchPattern,
    SmsConfiguration,
    VoiceConfigurationEST,
    VoiceConfigurationRTC,
)
from tests.scripted_server import (
    KEY_SECRET,
    PROJECT,
    ScriptedServer,
    Seen,
    active_number_json,
    error_response,
    json_response,
)

NUMBER = "+12025550134"


def paged_handler(total: int, *, default_page: int = 10) -> Callable[[Seen], web.Response]:
    """Serves ``total`` numbers with integer-offset page tokens."""
    numbers = [f"+1202555{i:04d}" for i in range(total)]

    def handler(seen: Seen) -> web.Response:
        offset = int(seen.param("pageToken") or 0)
        size = int(seen.param("pageSize") or default_page)
        chunk = numbers[offset : offset + size]
        nxt = offset + size
        return json_response(
            {
                "activeNumbers": [active_number_json(n) for n in chunk],
                "nextPageToken": str(nxt) if nxt < total else "",
                "totalSize": total,
            }
        )

    return handler


class TestPagination:
    """AsyncPager over GET activeNumbers."""

    async def test_three_pages_yield_every_item_once(self, server: ScriptedServer) -> None:
        """A listing across several pages yields each number exactly once, in order."""
        server.route("GET", "/activeNumbers", paged_handler(25))
        async with server.client() as client:
            seen = [n.phone_number async for n in client.active_numbers.list(page_size=10)]
        assert seen == [f"+1202555{i:04d}" for i in range(25)]
        reqs = server.api_requests()
        assert [r.param("pageToken") for r in reqs] == [None, "10", "20"]
        assert [r.param("pageSize") for r in reqs] == ["10", "10", "10"]

    async def test_size_caps_items_and_requests(self, server: ScriptedServer) -> None:
        """``size`` caps the total; the last request asks only for what is still wanted."""
        server.route("GET", "/activeNumbers", paged_handler(100))
        async with server.client() as client:
            got = await client.active_numbers.list(page_size=4, size=10).collect()
        assert len(got) == 10
        assert [r.param("pageSize") for r in server.api_requests()] == ["4", "4", "2"]

    async def test_size_reached_sends_no_more_requests(self, server: ScriptedServer) -> None:
        """Once ``size`` items were yielded, no further page is requested even with a token."""
        server.route("GET", "/activeNumbers", paged_handler(100))
        async with server.client() as client:
            got = await client.active_numbers.list(page_size=5, size=10, prefetch=False).collect()
            assert len(got) == 10
            assert len(server.api_requests()) == 2
            prefetched = await client.active_numbers.list(page_size=5, size=10).collect()
        assert len(prefetched) == 10
        assert len(server.api_requests()) == 4

    async def test_size_without_page_size_asks_for_size(self, server: ScriptedServer) -> None:
        """With only ``size``, one request asks for exactly that many."""
        server.route("GET", "/activeNumbers", paged_handler(100))
        async with server.client() as client:
            got = await client.active_numbers.list(size=7).collect()
        assert len(got) == 7
        assert [r.param("pageSize") for r in server.api_requests()] == ["7"]

    async def test_pages_and_reiteration(self, server: ScriptedServer) -> None:
        """``pages()`` exposes tokens and totals; iterating twice starts over."""
        server.route("GET", "/activeNumbers", paged_handler(5))
        async with server.client() as client:
            pager = client.active_numbers.list(page_size=2)
            pages = [p async for p in pager.pages()]
            again = await pager.collect()
        assert [len(p.items) for p in pages] == [2, 2, 1]
        assert [p.next_page_token for p in pages] == ["2", "4", ""]
        assert {p.total_size for p in pages} == {5}
        assert len(again) == 5

    async def test_start_from_page_token(self, server: ScriptedServer) -> None:
        """``page_token`` resumes a listing from a given page."""
        server.route("GET", "/activeNumbers", paged_handler(6))
        async with server.client() as client:
            got = await client.active_numbers.list(page_size=2, page_token="4").collect()
        assert [n.phone_number for n in got] == ["+12025550004", "+12025550005"]

    async def test_repeated_token_raises(self, server: ScriptedServer) -> None:
        """A next-page token seen before raises PaginationError instead of looping."""
        server.route(
            "GET",
            "/activeNumbers",
            lambda s: json_response(
                {"activeNumbers": [active_number_json(NUMBER)], "nextPageToken": "same"}
            ),
        )
        async with server.client() as client:
            with pytest.raises(sn.PaginationError):
                await client.active_numbers.list().collect()
        assert len(server.api_requests()) == 2

    async def test_empty_page_stops(self, server: ScriptedServer) -> None:
        """An empty page ends the listing even if it carries a token."""
        server.route("GET", "/activeNumbers", lambda s: json_response({"nextPageToken": "more"}))
        async with server.client() as client:
            assert await client.active_numbers.list() == []
        assert len(server.api_requests()) == 1

    async def test_break_cancels_prefetch(self, server: ScriptedServer) -> None:
        """Leaving the loop early cancels the prefetched request; nothing is left open."""
        release = asyncio.Event()
        first = paged_handler(100)

        async def handler(seen: Seen) -> web.Response:
            if seen.param("pageToken"):
                await release.wait()
            return first(seen)

        server.route("GET", "/activeNumbers", handler)
        async with server.client() as client:
            async for _ in client.active_numbers.list(page_size=10):
                break
            await asyncio.sleep(0.05)
            assert len(server.api_requests()) == 2  # the prefetch was sent...
            connector = client._transport._session.connector  # type: ignore[union-attr]
            assert connector is not None
            # ...and cancelled: no connection is held for it any more.
            assert sum(len(c) for c in connector._acquired_per_host.values()) == 0
        release.set()


class TestQueryAndPaths:
    """How arguments map onto the wire."""

    async def test_active_filters(self, server: ScriptedServer) -> None:
        """Active-list filters map to their wire names, with ``capability`` repeated."""
        server.route("GET", "/activeNumbers", paged_handler(1))
        async with server.client() as client:
            await client.active_numbers.list(
                region_code="us",
                number_type=NumberType.LOCAL,
                number_pattern="+1202",
                search_pattern="START",
                capabilities=[Capability.SMS, "VOICE"],
                order_by=OrderBy.DISPLAY_NAME,
                page_size=3,
            ).collect()
        (req,) = server.api_requests()
        assert req.query == [
            ("regionCode", "US"),
            ("type", "LOCAL"),
            ("numberPattern.pattern", "+1202"),
            ("numberPattern.searchPattern", "START"),
            ("capability", "SMS"),
            ("capability", "VOICE"),
            ("orderBy", "displayName"),
            ("pageSize", "3"),
        ]
        assert "numberPattern.pattern=%2B1202" in req.request.raw_path

    async def test_search_filters(self, server: ScriptedServer) -> None:
        """Search sends ``capabilities`` repeated and ``size``; results parse with prices."""
        server.route(
            "GET",
            "/availableNumbers",
            lambda s: json_response(
                {
                    "availableNumbers": [
                        {
                            "phoneNumber": NUMBER,
                            "regionCode": "US",
                            "type": "LOCAL",
                            "capability": ["SMS"],
                            "setupPrice": {"currencyCode": "USD", "amount": "0.80"},
                            "monthlyPrice": {"currencyCode": "USD", "amount": "2"},
                            "paymentIntervalMonths": 1,
                            "supportingDocumentationRequired": False,
                        }
                    ]
                }
            ),
        )
        async with server.client() as client:
            found = await client.available_numbers.list(
                region_code="US",
                number_type="LOCAL",
                capabilities=["SMS", Capability.VOICE],
                number_pattern="555",
                search_pattern=SearchPattern.CONTAINS,
                size=3,
            ).collect()
        (req,) = server.api_requests()
        assert req.params("capabilities") == ["SMS", "VOICE"]
        assert req.param("size") == "3"
        assert req.param("numberPattern.searchPattern") == "CONTAINS"
        assert found[0].setup_price is not None
        assert found[0].setup_price.amount == Decimal("0.80")
        assert str(found[0].setup_price.amount) == "0.80"

    async def test_plus_is_percent_encoded_in_paths(self, server: ScriptedServer) -> None:
        """The ``+`` of a number travels as ``%2B``; custom-method colons stay literal."""
        server.route(
            "GET",
            r"/activeNumbers/%2B12025550134",
            lambda s: json_response(active_number_json(NUMBER)),
        )
        server.route(
            "POST",
            r"/activeNumbers/%2B12025550134:release",
            lambda s: json_response(active_number_json(NUMBER)),
        )
        async with server.client() as client:
            await client.active_numbers.get(NUMBER)
            await client.active_numbers.release(NUMBER)
        paths = [r.raw_path for r in server.api_requests()]
        assert paths == [
            f"/v1/projects/{PROJECT}/activeNumbers/%2B12025550134",
            f"/v1/projects/{PROJECT}/activeNumbers/%2B12025550134:release",
        ]

    @pytest.mark.parametrize(
        "bad",
        [
            "12025550134",
            "+1 202 555 0134",
            "+1202/../x",
            "+12025550134%2F",
            "+0123",
            "+1234567890123456",
            "+1202\n555",
            "",
            "+",
            "+12025550134 ",
        ],
    )
    async def test_malformed_numbers_send_nothing(self, server: ScriptedServer, bad: str) -> None:
        """A malformed phone number raises ValueError naming the argument; no request goes out."""
        async with server.client() as client:
            with pytest.raises(ValueError, match="phone_number"):
                await client.active_numbers.get(bad)
            with pytest.raises(ValueError, match="phone_number"):
                await client.available_numbers.rent(bad)
        assert server.requests == []


class TestModels:
    """What comes back is typed, exact and tolerant."""

    async def test_decimal_datetime_enum_and_unknowns(self, server: ScriptedServer) -> None:
        """Money is Decimal, times are aware, unknown enum values and fields are tolerated."""
        body = active_number_json(
            NUMBER,
            capability=["SMS", "MMS"],
            type="SHARED_COST",
            money={"currencyCode": "EUR", "amount": "0.1"},
            nextChargeDate="2026-12-01T10:00:00",
            brandNewField={"x": 1},
            voiceConfiguration={"type": "EST", "trunkId": "trunk-9"},
        )
        server.route("GET", r"/activeNumbers/.*", lambda s: json_response(body))
        async with server.client() as client:
            number = await client.active_numbers.get(NUMBER)
        assert number.money == sn.Money("EUR", Decimal("0.1"))
        assert number.next_charge_date == datetime(2026, 12, 1, 10, tzinfo=UTC)
        assert number.expire_at is not None and number.expire_at.tzinfo is not None
        assert number.capability == [Capability.SMS, "MMS"]
        assert number.type == "SHARED_COST"
        assert isinstance(number.voice_configuration, VoiceConfigurationEST)
        assert number.voice_configuration.trunk_id == "trunk-9"

    async def test_unknown_value_does_not_break_a_listing(self, server: ScriptedServer) -> None:
        """One number with a new enum value still lists with the others."""
        items = [active_number_json(NUMBER), active_number_json("+12025550135", type="NEW")]
        server.route("GET", "/activeNumbers", lambda s: json_response({"activeNumbers": items}))
        async with server.client() as client:
            got = await client.active_numbers.list().collect()
        assert [n.type for n in got] == [NumberType.LOCAL, "NEW"]


class TestRequestBodies:
    """What the SDK sends."""

    async def test_update_sends_only_given_fields(self, server: ScriptedServer) -> None:
        """PATCH carries only the given arguments; ``None`` goes as null."""
        server.route(
            "PATCH", r"/activeNumbers/.*", lambda s: json_response(active_number_json(NUMBER))
        )
        async with server.client() as client:
            await client.active_numbers.update(NUMBER, display_name="Support")
            await client.active_numbers.update(
                NUMBER, callback_url=None, sms_configuration=SmsConfiguration("")
            )
            with pytest.raises(ValueError, match="at least one"):
                await client.active_numbers.update(NUMBER)
        bodies = [r.json() for r in server.api_requests()]
        assert bodies == [
            {"displayName": "Support"},
            {"smsConfiguration": {"servicePlanId": ""}, "callbackUrl": None},
        ]

    async def test_rent_and_rent_any_bodies(self, server: ScriptedServer) -> None:
        """Rent sends only the configuration given; rentAny maps its filters."""
        server.route(
            "POST",
            r"/availableNumbers/.*:rent",
            lambda s: json_response(active_number_json(NUMBER)),
        )
        server.route(
            "POST",
            r"/availableNumbers:rentAny",
            lambda s: json_response(active_number_json(NUMBER)),
        )
        async with server.client() as client:
            await client.available_numbers.rent(
                NUMBER,
                sms_configuration=SmsConfiguration("plan-1"),
                callback_url="https://example.test/cb",
            )
            await client.available_numbers.rent_any(
                region_code="US",
                number_type=NumberType.LOCAL,
                number_pattern="206",
                search_pattern="START",
                capabilities="SMS",
                voice_configuration=VoiceConfigurationRTC("app-1"),
            )
        rent, rent_any = (r.json() for r in server.api_requests())
        assert rent == {
            "smsConfiguration": {"servicePlanId": "plan-1"},
            "callbackUrl": "https://example.test/cb",
        }
        assert rent_any == {
            "regionCode": "US",
            "type": "LOCAL",
            "numberPattern": {"pattern": "206", "searchPattern": "START"},
            "capabilities": ["SMS"],
            "voiceConfiguration": {"type": "RTC", "appId": "app-1"},
        }

    async def test_emergency_address_calls(self, server: ScriptedServer) -> None:
        """The four emergency-address calls hit their paths with the documented bodies."""
        address = {
            "streetNumber": "1",
            "streetInfo": "Main St",
            "city": "Springfield",
            "state": "IL",
            "postalCode": "62701",
        }
        server.route("GET", r"/activeNumbers/.*/emergencyAddress", lambda s: json_response(address))
        server.route(
            "POST",
            r"/activeNumbers/.*/emergencyAddress:provision",
            lambda s: json_response(address),
        )
        server.route(
            "POST",
            r"/activeNumbers/.*/emergencyAddress:deprovision",
            lambda s: web.Response(status=200),
        )
        server.route(
            "POST",
            r"/activeNumbers/.*/emergencyAddress:validate",
            lambda s: json_response(
                {
                    "phoneNumber": NUMBER,
                    "validationResult": "NEAR_MATCH",
                    "correctedAddress": address,
                }
            ),
        )
        addr = sn.EmergencyAddress(
            street_number="1",
            street_info="Main St",
            city="Springfield",
            state="IL",
            postal_code="62701",
        )
        async with server.client() as client:
            got = await client.active_numbers.get_emergency_address(NUMBER)
            prov = await client.active_numbers.provision_emergency_address(
                NUMBER, display_name="HQ", address=addr
            )
            await client.active_numbers.deprovision_emergency_address(NUMBER)
            check = await client.active_numbers.validate_emergency_address(
                NUMBER, display_name="HQ", address=addr
            )
            with pytest.raises(ValueError, match="postal_code"):
                await client.active_numbers.provision_emergency_address(
                    NUMBER, display_name="HQ", address=sn.EmergencyAddress(street_number="1")
                )
        assert got == addr == prov
        assert check.validation_result is sn.AddressValidationResult.NEAR_MATCH
        assert server.api_requests()[1].json() == {"displayName": "HQ", "address": address}

    async def test_regions_and_callback_configuration(self, server: ScriptedServer) -> None:
        """Regions filter by repeated ``types``; the HMAC secret is checked and hidden."""
        secret = "a" * 32
        server.route(
            "GET",
            "/availableRegions",
            lambda s: json_response(
                {
                    "availableRegions": [
                        {"regionCode": "SE", "regionName": "Sweden", "types": ["MOBILE", "LOCAL"]}
                    ]
                }
            ),
        )
        server.route(
            "GET",
            "/callbackConfiguration",
            lambda s: json_response({"projectId": PROJECT, "hmacSecret": secret}),
        )
        server.route(
            "PATCH",
            "/callbackConfiguration",
            lambda s: json_response({"projectId": PROJECT, **s.json()}),
        )
        async with server.client() as client:
            regions = await client.available_regions.list(types=["MOBILE", NumberType.LOCAL])
            config = await client.callback_configuration.get()
            updated = await client.callback_configuration.update(hmac_secret="b" * 40)
            with pytest.raises(ValueError, match="hmac_secret") as info:
                await client.callback_configuration.update(hmac_secret="short-secret")
        assert "short-secret" not in str(info.value)
        assert regions[0].types == [NumberType.MOBILE, NumberType.LOCAL]
        assert server.api_requests()[0].params("types") == ["MOBILE", "LOCAL"]
        assert config.hmac_secret == secret and secret not in repr(config)
        assert updated.hmac_secret == "b" * 40
        assert server.api_requests()[2].json() == {"hmacSecret": "b" * 40}


class TestErrors:
    """Error envelopes become the ApiError hierarchy."""

    @pytest.mark.parametrize(
        ("status", "name", "cls"),
        [
            (400, "INVALID_ARGUMENT", sn.InvalidArgumentError),
            (401, "UNAUTHENTICATED", sn.AuthenticationError),
            (403, "PERMISSION_DENIED", sn.PermissionDeniedError),
            (404, "NOT_FOUND", sn.NotFoundError),
            (429, "RESOURCE_EXHAUSTED", sn.RateLimitError),
            (500, "INTERNAL", sn.ServerError),
            (503, "UNAVAILABLE", sn.ServerError),
            (409, "ABORTED", sn.ApiError),
        ],
    )
    async def test_status_maps_to_class(
        self, server: ScriptedServer, status: int, name: str, cls: type[sn.ApiError]
    ) -> None:
        """Each status gives its error class carrying the envelope's fields."""
        details = [{"type": "ResourceInfo", "resourceName": NUMBER}]
        server.route(
            "GET",
            r"/activeNumbers/.*",
            lambda s: error_response(
                status, name, f"boom {status}", details, headers={"Retry-After": "7"}
            ),
        )
        async with server.client(retry=sn.RetryPolicy(max_attempts=1)) as client:
            with pytest.raises(cls) as info:
                await client.active_numbers.get(NUMBER)
        err = info.value
        assert type(err) is cls
        assert (err.http_status, err.status, err.message) == (status, name, f"boom {status}")
        assert err.details == details
        assert err.body is not None and err.body["error"]["code"] == status
        if isinstance(err, sn.RateLimitError):
            assert err.retry_after == 7.0

    async def test_field_violations(self, server: ScriptedServer) -> None:
        """A 400 exposes its BadRequest field violations."""
        details = [
            {
                "type": "BadRequest",
                "fieldViolations": [{"field": "regionCode", "description": "required"}],
            }
        ]
        server.route(
            "GET",
            "/availableNumbers",
            lambda s: error_response(400, "INVALID_ARGUMENT", "bad", details),
        )
        async with server.client() as client:
            with pytest.raises(sn.InvalidArgumentError) as info:
                await client.available_numbers.list(region_code="US", number_type="LOCAL")
        assert info.value.field_violations == [sn.FieldViolation("regionCode", "required")]
        assert "regionCode: required" in str(info.value)

    async def test_html_and_empty_bodies(self, server: ScriptedServer) -> None:
        """Non-JSON error bodies still give the right class, keeping status and raw text."""
        server.route(
            "GET",
            r"/activeNumbers/%2B1.*",
            lambda s: web.Response(
                status=502, text="<html><body>Bad gateway</body></html>", content_type="text/html"
            ),
        )
        server.route("GET", r"/availableNumbers/.*", lambda s: web.Response(status=404))
        async with server.client(retry=sn.RetryPolicy(max_attempts=1)) as client:
            with pytest.raises(sn.ServerError) as html:
                await client.active_numbers.get(NUMBER)
            with pytest.raises(sn.NotFoundError) as empty:
                await client.available_numbers.get(NUMBER)
        assert html.value.http_status == 502 and "Bad gateway" in html.value.text
        assert html.value.body is None
        assert empty.value.http_status == 404 and empty.value.message == "empty response body"

    async def test_broken_success_bodies(self, server: ScriptedServer) -> None:
        """A 2xx that is not the promised JSON raises ResponseDecodeError with the raw text."""
        server.route(
            "GET",
            r"/activeNumbers/%2B12025550134",
            lambda s: web.Response(text='{"phoneNumber": "+1202', content_type="application/json"),
        )
        server.route(
            "GET",
            r"/activeNumbers/%2B12025550135",
            lambda s: json_response({"phoneNumber": 12025550135}),
        )
        server.route("GET", r"/activeNumbers/%2B12025550136", lambda s: json_response([1, 2]))
        async with server.client() as client:
            with pytest.raises(sn.ResponseDecodeError) as truncated:
                await client.active_numbers.get(NUMBER)
            with pytest.raises(sn.ResponseDecodeError):
                await client.active_numbers.get("+12025550135")
            with pytest.raises(sn.ResponseDecodeError):
                await client.active_numbers.get("+12025550136")
        assert truncated.value.text == '{"phoneNumber": "+1202'
        assert truncated.value.http_status == 200


class TestClient:
    """Lifecycle, configuration and authentication."""

    async def test_closed_client_fails_clearly(self, server: ScriptedServer) -> None:
        """A closed client raises ClientClosedError and sends nothing."""
        client = server.client()
        async with client:
            pass
        assert client.closed
        with pytest.raises(sn.ClientClosedError):
            await client.active_numbers.get(NUMBER)
        assert server.requests == []

    async def test_callers_session_is_not_closed(self, server: ScriptedServer) -> None:
        """A session passed in stays open after the client closes."""
        server.route(
            "GET", r"/activeNumbers/.*", lambda s: json_response(active_number_json(NUMBER))
        )
        async with aiohttp.ClientSession() as session:
            async with server.client(session=session) as client:
                await client.active_numbers.get(NUMBER)
            assert not session.closed

    async def test_basic_auth_header(self, server: ScriptedServer) -> None:
        """Basic auth sends the key on every call."""
        server.route(
            "GET", r"/activeNumbers/.*", lambda s: json_response(active_number_json(NUMBER))
        )
        async with server.client(auth="basic") as client:
            await client.active_numbers.get(NUMBER)
        header = server.api_requests()[0].headers["Authorization"]
        assert header == "Basic " + base64.b64encode(f"test-key-id:{KEY_SECRET}".encode()).decode()

    async def test_oauth_token_cached_and_shared(self, server: ScriptedServer) -> None:
        """Concurrent first calls share one token fetch; the token is reused after."""

        async def token(seen: Seen) -> web.Response:
            await asyncio.sleep(0.05)
            assert seen.headers["Authorization"].startswith("Basic ")
            assert seen.body == b"grant_type=client_credentials"
            return json_response(
                {"access_token": "tok-1", "expires_in": 3599, "token_type": "bearer", "scope": ""}
            )

        server.route("POST", "/oauth2/token", token)
        server.route(
            "GET", r"/activeNumbers/.*", lambda s: json_response(active_number_json(NUMBER))
        )
        async with server.client(auth="oauth") as client:
            await asyncio.gather(*(client.active_numbers.get(NUMBER) for _ in range(20)))
            await client.active_numbers.get(NUMBER)
        token_calls = [r for r in server.requests if r.raw_path == "/oauth2/token"]
        assert len(token_calls) == 1
        assert {r.headers["Authorization"] for r in server.api_requests()} == {"Bearer tok-1"}

    async def test_expired_token_refreshed_once(self, server: ScriptedServer) -> None:
        """A 401 saying the token expired triggers one refresh and one replay."""
        tokens = iter(["tok-1", "tok-2", "tok-3"])
        server.route(
            "POST",
            "/oauth2/token",
            lambda s: json_response({"access_token": next(tokens), "expires_in": 3599}),
        )

        def api(seen: Seen) -> web.Response:
            if seen.headers["Authorization"] == "Bearer tok-1":
                return web.Response(
                    status=401,
                    headers={
                        "WWW-Authenticate": 'Bearer error="invalid_token", error_description='
                        '"The access token expired"'
                    },
                )
            return json_response(active_number_json(NUMBER))

        server.route("GET", r"/activeNumbers/.*", api)
        async with server.client(auth="oauth") as client:
            number = await client.active_numbers.get(NUMBER)
        assert number.phone_number == NUMBER
        assert [r.headers["Authorization"] for r in server.api_requests()] == [
            "Bearer tok-1",
            "Bearer tok-2",
        ]

    async def test_other_401_raises_at_once(self, server: ScriptedServer) -> None:
        """A 401 that does not say 'expired' is not retried."""
        server.route(
            "POST",
            "/oauth2/token",
            lambda s: json_response({"access_token": "tok", "expires_in": 3599}),
        )
        server.route("GET", r"/activeNumbers/.*", lambda s: web.Response(status=401))
        async with server.client(auth="oauth") as client:
            with pytest.raises(sn.AuthenticationError):
                await client.active_numbers.get(NUMBER)
        assert len(server.api_requests()) == 1

    def test_from_env(self) -> None:
        """from_env reads the documented variables and reports missing ones."""
        client = sn.NumbersClient.from_env(
            {
                "SINCH_PROJECT_ID": "p",
                "SINCH_KEY_ID": "k",
                "SINCH_KEY_SECRET": "s3cr3t-value",
                "SINCH_NUMBERS_URL": "http://127.0.0.1:9",
                "SINCH_AUTH": "basic",
            }
        )
        assert str(client.base_url) == "http://127.0.0.1:9" and client.auth == "basic"
        assert "s3cr3t-value" not in repr(client)
        with pytest.raises(ValueError, match="SINCH_KEY_SECRET"):
            sn.NumbersClient.from_env({"SINCH_PROJECT_ID": "p", "SINCH_KEY_ID": "k"})

    @pytest.mark.parametrize(
        ("kwargs", "arg"),
        [
            ({"base_url": "ftp://127.0.0.1"}, "base_url"),
            ({"base_url": "127.0.0.1:8080"}, "base_url"),
            ({"auth_url": "not a url"}, "auth_url"),
            ({"auth": "token"}, "auth"),
            ({"timeout": -1}, "timeout"),
            ({"max_connections": 0}, "max_connections"),
        ],
    )
    def test_bad_options(self, kwargs: dict[str, Any], arg: str) -> None:
        """Bad constructor options raise ValueError naming the option."""
        with pytest.raises(ValueError, match=arg):
            sn.NumbersClient("p", "k", "s", **kwargs)


def test_public_names() -> None:
    """The package exports exactly its curated public names."""
    public = {
        name
        for name, value in vars(sn).items()
        # '@' names are added by pytest's assertion rewriting when the plugin is installed.
        if not name.startswith(("_", "@")) and not isinstance(value, types.ModuleType)
    }
    assert set(sn.__all__) - {"__version__"} == public


class TestSpeculativePrefetch:
    """The next request may go out on a guess from the raw body; a wrong guess costs nothing."""

    async def test_wrong_guess_is_discarded(self, server: ScriptedServer) -> None:
        """A body whose last "nextPageToken" key is not the real one still lists correctly."""
        # The real token comes first and an item carries a decoy key of the same name, so a
        # look at the raw body guesses wrong; pages are large enough to be guessed on.
        padding = "x" * 400

        def handler(seen: Seen) -> web.Response:
            page = int(seen.param("pageToken") or 0)
            if seen.param("pageToken") == "decoy":
                return error_response(400, "INVALID_ARGUMENT", "unknown page token")
            items = [
                active_number_json(f"+1202555{page:02d}{i:02d}", displayName=padding)
                for i in range(50)
            ]
            items[-1]["nextPageToken"] = "decoy"
            body: dict[str, Any] = {"nextPageToken": str(page + 1) if page < 2 else ""}
            body["activeNumbers"] = items
            return json_response(body)

        server.route("GET", "/activeNumbers", handler)
        async with server.client() as client:
            got = [n.phone_number async for n in client.active_numbers.list(page_size=50)]
        assert got == [f"+1202555{p:02d}{i:02d}" for p in range(3) for i in range(50)]
        tokens = [r.param("pageToken") for r in server.api_requests()]
        assert "decoy" in tokens  # the guess really went out, and was discarded
        assert [t for t in tokens if t != "decoy"] == [None, "1", "2"]
