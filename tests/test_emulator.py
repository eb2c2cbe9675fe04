"""The Numbers emulator over real HTTP: auth, every non-order operation, errors, listing and
the request log. Every reply of a spec operation is validated against the OpenAPI spec.

`Api` and `open_api` are reused by the other `test_emulator_*` modules.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDictProxy

from sinch_numbers.testing import (
    DEFAULT_HMAC_SECRET,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    NumbersEmulator,
    RecordedRequest,
    format_connection_info,
    serve_forever,
)
from sinch_numbers.testing._routes import RequestContext
from sinch_numbers.testing._wire import invalid_argument, json_response
from tests.spec_validation import (
    SpecViolation,
    find_operation,
    load_spec,
    validate_request,
    validate_response,
)

_MISSING: Any = object()
Query = Mapping[str, str | int] | Sequence[tuple[str, str | int]] | None


def enc(phone: str) -> str:
    """A phone number percent-encoded for a path, as the spec asks."""
    return phone.replace("+", "%2B")


@dataclass
class Reply:
    """A response as the tests see it."""

    status: int
    headers: CIMultiDictProxy[str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    @property
    def error(self) -> dict[str, Any]:
        body = self.json
        assert isinstance(body, dict)
        error = body["error"]
        assert isinstance(error, dict)
        return error


class Api:
    """Plain aiohttp calls to an emulator, checking each reply against the spec."""

    def __init__(self, emu: NumbersEmulator, session: aiohttp.ClientSession) -> None:
        self.emu = emu
        self.session = session

    @property
    def basic(self) -> str:
        return aiohttp.encode_basic_auth(self.emu.key_id, self.emu.key_secret)

    def url(self, path: str, project: str | None = None) -> str:
        return f"{self.emu.base_url}/v1/projects/{project or self.emu.project_id}{path}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Query = None,
        json_body: Any = _MISSING,
        data: bytes | None = None,
        auth: str | None = "basic",
        project: str | None = None,
        validate: bool = True,
    ) -> Reply:
        headers: dict[str, str] = {}
        if auth == "basic":
            headers["Authorization"] = self.basic
        elif auth is not None:
            headers["Authorization"] = auth
        if json_body is not _MISSING:
            data = json.dumps(json_body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        url = self.url(path, project)
        query = [
            (k, str(v))
            for k, v in (params.items() if isinstance(params, Mapping) else params or ())
        ]
        async with self.session.request(
            method, url, params=query, data=data, headers=headers
        ) as resp:
            reply = Reply(resp.status, resp.headers, await resp.read())
        if validate:
            try:
                find_operation(method, url)
            except SpecViolation:
                return reply  # not a spec operation (e.g. a deliberately wrong path)
            body = reply.json if reply.raw else None
            validate_response(method, url, reply.status, body)
        return reply

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("POST", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("PATCH", path, **kwargs)

    async def token(self, *, key_id: str | None = None, key_secret: str | None = None) -> Reply:
        auth = aiohttp.encode_basic_auth(
            key_id or self.emu.key_id, key_secret or self.emu.key_secret
        )
        async with self.session.post(
            self.emu.auth_url,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": auth},
        ) as resp:
            return Reply(resp.status, resp.headers, await resp.read())

    async def bearer(self) -> str:
        reply = await self.token()
        assert reply.status == 200
        return f"Bearer {reply.json['access_token']}"

    async def rent_any(self, **body: Any) -> dict[str, Any]:
        reply = await self.post(
            "/availableNumbers:rentAny", json_body={"regionCode": "US", "type": "LOCAL", **body}
        )
        assert reply.status == 200, reply.raw
        result: dict[str, Any] = reply.json
        return result


@asynccontextmanager
async def open_api(emu: NumbersEmulator) -> AsyncIterator[Api]:
    """An `Api` with its own session, closed on exit."""
    async with aiohttp.ClientSession() as session:
        yield Api(emu, session)


@pytest.fixture
async def emu() -> AsyncIterator[NumbersEmulator]:
    async with NumbersEmulator(provisioning_delay=0.05) as emulator:
        yield emulator


@pytest.fixture
async def api(emu: NumbersEmulator) -> AsyncIterator[Api]:
    async with open_api(emu) as client:
        yield client


class TestLifecycle:
    """Starting, stopping and describing the emulator."""

    async def test_urls_point_at_loopback(self, emu: NumbersEmulator) -> None:
        """base_url is http://127.0.0.1:<port> and auth_url is its /oauth2/token."""
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emu.base_url)
        assert emu.auth_url == emu.base_url + "/oauth2/token"
        assert emu.port > 0

    async def test_repr_and_logs_hide_secrets(self, emu: NumbersEmulator, api: Api) -> None:
        """Neither repr() nor a recorded request's repr shows the key secret, a token or the
        HMAC secret."""
        bearer = await api.bearer()
        await api.get("/activeNumbers", auth=bearer)
        texts = [repr(emu), *(repr(r) for r in emu.requests)]
        for text in texts:
            for secret in (emu.key_secret, bearer.split()[1], DEFAULT_HMAC_SECRET, api.basic):
                assert secret not in text

    async def test_connection_info_lists_credentials(self, emu: NumbersEmulator) -> None:
        """connection_info/environment/format_connection_info give what a client needs."""
        info = emu.connection_info()
        assert info["base_url"] == emu.base_url
        assert info["key_secret"] == emu.key_secret
        assert emu.environment()["SINCH_NUMBERS_URL"] == emu.base_url
        assert f"export SINCH_AUTH_URL={emu.auth_url}" in format_connection_info(emu)

    async def test_base_url_needs_a_running_emulator(self) -> None:
        """base_url raises before start and after stop."""
        emulator = NumbersEmulator()
        with pytest.raises(RuntimeError):
            _ = emulator.base_url
        async with emulator:
            assert emulator.base_url
        await asyncio.sleep(0)

    async def test_restart_keeps_state(self) -> None:
        """A stopped emulator can be started again with its numbers and background work."""
        emulator = NumbersEmulator(provisioning_delay=0.01)
        (phone,) = emulator.add_active_numbers(1)
        for plan in ("p", ""):
            async with emulator, open_api(emulator) as api:
                body = {"smsConfiguration": {"servicePlanId": plan}}
                reply = await api.patch(f"/activeNumbers/{enc(phone)}", json_body=body)
                assert reply.status == 200
                await asyncio.sleep(0.05)
                number = emulator.active_number(phone)
                assert number is not None
                assert number["smsConfiguration"]["servicePlanId"] == plan
        assert [e["eventType"] for e in emulator.events] == [
            "PROVISIONING_TO_SMS_PLATFORM",
            "DEPROVISIONING_FROM_SMS_PLATFORM",
        ]

    def test_invalid_hmac_secret_is_rejected(self) -> None:
        """The constructor refuses an hmac_secret the API itself would refuse."""
        with pytest.raises(ValueError, match="hmac_secret"):
            NumbersEmulator(hmac_secret="short")

    async def test_client_builds_a_numbers_client(self, emu: NumbersEmulator) -> None:
        """emu.client() returns a NumbersClient bound to the emulator that can list numbers."""
        try:
            from sinch_numbers import NumbersClient
        except ImportError:  # pragma: no cover - the SDK core is written concurrently
            pytest.skip("NumbersClient is not importable yet")
        emu.add_active_numbers(3)
        client = emu.client()
        assert isinstance(client, NumbersClient)
        async with client:
            numbers = await client.active_numbers.list().collect()
        assert [n.phone_number for n in numbers] == emu.active_phone_numbers()


class TestPublicSurface:
    """What sinch_numbers.testing exports, and running it standalone."""

    def test_exported_names(self) -> None:
        """The package exports exactly the curated names."""
        import sinch_numbers.testing as testing

        assert sorted(testing.__all__) == [
            "CallbackDelivery",
            "DEFAULT_HMAC_SECRET",
            "DEFAULT_PAGE_SIZE",
            "DEFAULT_PORT",
            "DEFAULT_SEARCH_SIZE",
            "EmulatorStats",
            "Fault",
            "FaultKind",
            "MAX_PAGE_SIZE",
            "MAX_SEARCH_SIZE",
            "NumbersEmulator",
            "RecordedRequest",
            "format_connection_info",
            "serve_forever",
        ]
        assert all(hasattr(testing, name) for name in testing.__all__)

    async def test_serve_forever(self) -> None:
        """serve_forever runs an emulator until cancelled and hands it to on_ready."""
        ready: asyncio.Queue[NumbersEmulator] = asyncio.Queue()
        task = asyncio.create_task(serve_forever(port=0, seed=4, on_ready=ready.put_nowait))
        emulator = await asyncio.wait_for(ready.get(), 5)
        async with open_api(emulator) as api:
            assert (await api.get("/availableRegions")).status == 200
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(RuntimeError):
            _ = emulator.base_url


class TestSpecValidationHelper:
    """tests/spec_validation.py really rejects what the spec does not allow."""

    def test_rejects_bad_responses(self) -> None:
        """Undeclared members, bad enums, bad timestamps and nulls are violations."""
        good = {
            "phoneNumber": "+12025550134",
            "type": "LOCAL",
            "nextChargeDate": "2026-12-01T10:00:00.000Z",
        }
        validate_response("GET", "/v1/projects/p/activeNumbers/%2B12025550134", 200, good)
        for bad in (
            {**good, "capabilities": ["SMS"]},
            {**good, "type": "FIXED"},
            {**good, "nextChargeDate": "tomorrow"},
            {**good, "expireAt": None},
            {**good, "voiceConfiguration": {"type": "EST", "appId": "x"}},
        ):
            with pytest.raises(SpecViolation):
                validate_response(
                    "GET", "/v1/projects/{projectId}/activeNumbers/{phoneNumber}", 200, bad
                )

    def test_rejects_bad_requests(self) -> None:
        """Unknown or repeated single query keys, bad enums and missing body fields are
        violations."""
        base = "http://127.0.0.1:1/v1/projects/p"
        validate_request(
            "GET", f"{base}/activeNumbers?capability=SMS&capability=VOICE&orderBy=phoneNumber"
        )
        for url in (
            f"{base}/activeNumbers?capabilities=SMS",
            f"{base}/activeNumbers?orderBy=PHONE_NUMBER",
            f"{base}/activeNumbers?type=LOCAL&type=MOBILE",
            f"{base}/availableNumbers?regionCode=US",
        ):
            with pytest.raises(SpecViolation):
                validate_request("GET", url)
        with pytest.raises(SpecViolation):
            validate_request("POST", f"{base}/availableNumbers:rentAny", body={"regionCode": "US"})
        validate_request("GET", f"{base}/activeNumbers/%2B12025550134")
        with pytest.raises(SpecViolation, match=r"E\.164"):
            validate_request("GET", f"{base}/activeNumbers/+12025550134")
        with pytest.raises(SpecViolation, match=r"E\.164"):
            validate_request("GET", f"{base}/activeNumbers/12025550134")

    async def test_recorded_requests_match_the_spec(self, emu: NumbersEmulator, api: Api) -> None:
        """Requests from the request log can be checked with validate_request."""
        number = await api.rent_any(capabilities=["SMS"])
        await api.get("/activeNumbers", params=[("capability", "SMS"), ("orderBy", "displayName")])
        await api.patch(
            f"/activeNumbers/{enc(number['phoneNumber'])}", json_body={"displayName": "d"}
        )
        for record in emu.requests:
            validate_request(
                record.method, record.raw_path, record.query, record.headers, record.body
            )


class TestAuth:
    """The OAuth token endpoint and API authentication."""

    async def test_token_flow(self, emu: NumbersEmulator, api: Api) -> None:
        """Basic key id/secret + grant_type=client_credentials gives a bearer token the API
        accepts."""
        reply = await api.token()
        assert reply.status == 200
        body = reply.json
        assert set(body) == {"access_token", "expires_in", "scope", "token_type"}
        assert body["expires_in"] == 3600
        assert body["scope"] == ""
        assert body["token_type"] == "bearer"
        assert (
            await api.get("/activeNumbers", auth=f"Bearer {body['access_token']}")
        ).status == 200
        assert emu.stats.tokens_issued == 1

    async def test_token_with_form_credentials(self, emu: NumbersEmulator, api: Api) -> None:
        """client_id/client_secret in the form body are accepted too."""
        form = {
            "grant_type": "client_credentials",
            "client_id": emu.key_id,
            "client_secret": emu.key_secret,
        }
        async with api.session.post(emu.auth_url, data=form) as resp:
            assert resp.status == 200

    async def test_token_wrong_credentials(self, api: Api) -> None:
        """A wrong key secret is 401 invalid_client on the token endpoint."""
        reply = await api.token(key_secret="nope")
        assert reply.status == 401
        assert reply.json["error"] == "invalid_client"

    @pytest.mark.parametrize(
        ("form", "error"),
        [({}, "invalid_request"), ({"grant_type": "password"}, "unsupported_grant_type")],
    )
    async def test_token_bad_grant(
        self, emu: NumbersEmulator, api: Api, form: dict[str, str], error: str
    ) -> None:
        """A missing or unsupported grant_type is a 400 OAuth error."""
        async with api.session.post(
            emu.auth_url, data=form or {"x": "y"}, headers={"Authorization": api.basic}
        ) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"] == error

    async def test_basic_auth_is_accepted(self, api: Api) -> None:
        """The API accepts HTTP Basic with key id and secret."""
        assert (await api.get("/activeNumbers")).status == 200

    @pytest.mark.parametrize(
        "auth",
        [None, "Bearer unknown-token", "Basic " + "ZW11bGF0b3Ita2V5LWlkOndyb25n", "Digest x"],
    )
    async def test_api_rejects_bad_credentials(self, api: Api, auth: str | None) -> None:
        """Missing, unknown or wrong credentials are 401 with WWW-Authenticate, not 'expired'."""
        reply = await api.get("/activeNumbers", auth=auth)
        assert reply.status == 401
        assert reply.error["status"] == "UNAUTHENTICATED"
        challenge = reply.headers["WWW-Authenticate"]
        assert "expired" not in challenge

    async def test_token_expires_after_lifetime(self) -> None:
        """A token older than token_lifetime is 401 with 'expired' in WWW-Authenticate."""
        async with NumbersEmulator(token_lifetime=0.2) as emulator, open_api(emulator) as api:
            bearer = await api.bearer()
            assert (await api.get("/activeNumbers", auth=bearer)).status == 200
            await asyncio.sleep(0.3)
            reply = await api.get("/activeNumbers", auth=bearer)
            assert reply.status == 401
            assert "expired" in reply.headers["WWW-Authenticate"]
            assert (await api.get("/activeNumbers", auth=await api.bearer())).status == 200

    async def test_expire_tokens(self, emu: NumbersEmulator, api: Api) -> None:
        """expire_tokens() expires every token issued so far but not later ones."""
        old = await api.bearer()
        emu.expire_tokens()
        reply = await api.get("/activeNumbers", auth=old)
        assert reply.status == 401
        assert 'error="invalid_token"' in reply.headers["WWW-Authenticate"]
        assert "expired" in reply.headers["WWW-Authenticate"]
        assert (await api.get("/activeNumbers", auth=await api.bearer())).status == 200


class TestAvailableNumbers:
    """Searching and reading available numbers."""

    async def test_search(self, api: Api) -> None:
        """A search returns numbers of the region and type, with decimal-string prices."""
        reply = await api.get(
            "/availableNumbers", params={"regionCode": "US", "type": "LOCAL", "size": 5}
        )
        assert reply.status == 200
        numbers = reply.json["availableNumbers"]
        assert len(numbers) == 5
        for number in numbers:
            assert number["phoneNumber"].startswith("+1")
            assert (number["regionCode"], number["type"]) == ("US", "LOCAL")
            assert number["monthlyPrice"] == {"currencyCode": "USD", "amount": "2.00"}
            assert number["supportingDocumentationRequired"] is False

    async def test_search_is_deterministic_from_the_seed(self) -> None:
        """The same seed offers the same numbers; another seed offers others."""
        found = []
        for seed in (1, 1, 2):
            async with NumbersEmulator(seed=seed) as emulator, open_api(emulator) as api:
                reply = await api.get(
                    "/availableNumbers", params={"regionCode": "GB", "type": "MOBILE", "size": 10}
                )
                found.append([n["phoneNumber"] for n in reply.json["availableNumbers"]])
        assert found[0] == found[1]
        assert found[0] != found[2]

    async def test_documentation_required_regions(self, api: Api) -> None:
        """Some region/type pairs say supportingDocumentationRequired: true."""
        reply = await api.get(
            "/availableNumbers", params={"regionCode": "DE", "type": "MOBILE", "size": 1}
        )
        assert reply.json["availableNumbers"][0]["supportingDocumentationRequired"] is True

    async def test_search_requires_region_and_type(self, api: Api) -> None:
        """Without regionCode and type the search is 400 with a field violation for each."""
        reply = await api.get("/availableNumbers")
        assert reply.status == 400
        assert reply.error["status"] == "INVALID_ARGUMENT"
        (detail,) = reply.error["details"]
        assert detail["type"] == "BadRequest"
        assert {v["field"] for v in detail["fieldViolations"]} == {"regionCode", "type"}

    async def test_search_rejects_bad_enum(self, api: Api) -> None:
        """An unknown type is 400 'parsing field "type": "XXX" is not a valid value'."""
        reply = await api.get("/availableNumbers", params={"regionCode": "US", "type": "XXX"})
        assert reply.status == 400
        assert reply.error["message"] == 'parsing field "type": "XXX" is not a valid value'

    @pytest.mark.parametrize(
        ("pattern", "search", "check"),
        [
            ("+1212", "START", lambda p: p.startswith("+1212")),
            ("212", "START", lambda p: p[2:].startswith("212")),
            ("77", "CONTAINS", lambda p: "77" in p),
            ("00", "END", lambda p: p.endswith("00")),
        ],
    )
    async def test_search_pattern(self, api: Api, pattern: str, search: str, check: Any) -> None:
        """numberPattern.pattern/searchPattern select START, CONTAINS and END matches."""
        params = {
            "regionCode": "US",
            "type": "LOCAL",
            "numberPattern.pattern": pattern,
            "numberPattern.searchPattern": search,
        }
        numbers = (await api.get("/availableNumbers", params=params)).json["availableNumbers"]
        assert numbers
        assert all(check(n["phoneNumber"]) for n in numbers)

    async def test_unencoded_plus_in_query_is_rejected(
        self, emu: NumbersEmulator, api: Api
    ) -> None:
        """A raw '+' in the query decodes to a space, which is a 400 with a hint."""
        url = api.url("/availableNumbers") + "?regionCode=US&type=LOCAL&numberPattern.pattern=+1212"
        async with api.session.get(url, headers={"Authorization": api.basic}) as resp:
            assert resp.status == 400
            assert "%2B" in (await resp.json())["error"]["message"]

    async def test_capabilities_filter(self, api: Api) -> None:
        """Repeated capabilities keys keep only numbers having all of them."""
        params = [
            ("regionCode", "US"),
            ("type", "LOCAL"),
            ("capabilities", "SMS"),
            ("capabilities", "VOICE"),
        ]
        numbers = (await api.get("/availableNumbers", params=params)).json["availableNumbers"]
        assert numbers
        assert all(set(n["capability"]) == {"SMS", "VOICE"} for n in numbers)
        sms_only = [
            ("regionCode", "US"),
            ("type", "LOCAL"),
            ("capabilities", "VOICE"),
            ("size", 1000),
        ]
        voice = (await api.get("/availableNumbers", params=sms_only)).json["availableNumbers"]
        assert any(n["capability"] == ["VOICE"] for n in voice)

    async def test_unknown_query_parameter(self, api: Api) -> None:
        """A query parameter the operation does not have (e.g. capability) is 400."""
        params = {"regionCode": "US", "type": "LOCAL", "capability": "SMS"}
        assert (await api.get("/availableNumbers", params=params)).status == 400

    async def test_get_available_number(self, api: Api) -> None:
        """GET availableNumbers/{n} returns the number, with %2B or a raw '+'."""
        first = (
            await api.get(
                "/availableNumbers", params={"regionCode": "SE", "type": "MOBILE", "size": 1}
            )
        ).json["availableNumbers"][0]
        phone = first["phoneNumber"]
        assert (await api.get(f"/availableNumbers/{enc(phone)}")).json == first
        assert (await api.get(f"/availableNumbers/{phone}")).json == first
        assert first["monthlyPrice"]["amount"] == "0.8"

    async def test_get_unknown_available_number(self, api: Api) -> None:
        """An unknown number is 404 NOT_FOUND naming it."""
        reply = await api.get(f"/availableNumbers/{enc('+15550000000')}")
        assert reply.status == 404
        assert reply.error["details"][0]["resourceName"] == "+15550000000"

    async def test_malformed_phone_number(self, api: Api) -> None:
        """A path number that is not E.164 is 400."""
        reply = await api.get("/availableNumbers/12345")
        assert reply.status == 400


class TestRent:
    """Renting a specific number and any number."""

    async def test_rent(self, emu: NumbersEmulator, api: Api) -> None:
        """:rent makes an ActiveNumber with every field and takes it off the market."""
        phone = (
            await api.get(
                "/availableNumbers", params={"regionCode": "US", "type": "LOCAL", "size": 1}
            )
        ).json["availableNumbers"][0]["phoneNumber"]
        reply = await api.post(f"/availableNumbers/{enc(phone)}:rent", json_body={})
        assert reply.status == 200
        number = reply.json
        assert number["phoneNumber"] == phone
        assert number["projectId"] == emu.project_id
        assert number["callbackUrl"] == ""
        assert number["displayName"] == ""
        assert number["money"] == {"currencyCode": "USD", "amount": "2.00"}
        assert number["smsConfiguration"] == {"servicePlanId": "", "campaignId": ""}
        assert number["voiceConfiguration"] == {"type": "RTC", "appId": ""}
        for stamp in (number["nextChargeDate"], number["expireAt"]):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp)
        assert (await api.get(f"/availableNumbers/{enc(phone)}")).status == 404
        assert (await api.post(f"/availableNumbers/{enc(phone)}:rent", json_body={})).status == 404
        assert (await api.get(f"/activeNumbers/{enc(phone)}")).json == number

    async def test_rent_without_body(self, api: Api) -> None:
        """:rent with an empty body is accepted as {}."""
        phone = (
            await api.get(
                "/availableNumbers", params={"regionCode": "US", "type": "LOCAL", "size": 1}
            )
        ).json["availableNumbers"][0]["phoneNumber"]
        assert (await api.post(f"/availableNumbers/{enc(phone)}:rent")).status == 200

    async def test_rent_only_us_local(self, api: Api) -> None:
        """Renting a GB number through the deprecated :rent is 400."""
        phone = (
            await api.get(
                "/availableNumbers", params={"regionCode": "GB", "type": "MOBILE", "size": 1}
            )
        ).json["availableNumbers"][0]["phoneNumber"]
        reply = await api.post(f"/availableNumbers/{enc(phone)}:rent", json_body={})
        assert reply.status == 400
        assert "US LOCAL" in reply.error["message"]

    async def test_rent_any(self, api: Api) -> None:
        """:rentAny rents a US LOCAL number matching pattern and capabilities."""
        number = await api.rent_any(
            numberPattern={"pattern": "+1415", "searchPattern": "START"},
            capabilities=["SMS", "VOICE"],
        )
        assert number["phoneNumber"].startswith("+1415")
        assert set(number["capability"]) == {"SMS", "VOICE"}

    @pytest.mark.parametrize(("region", "kind"), [("GB", "MOBILE"), ("US", "TOLL_FREE")])
    async def test_rent_any_only_us_local(self, api: Api, region: str, kind: str) -> None:
        """:rentAny outside regionCode=US, type=LOCAL is 400, as on the real API."""
        reply = await api.post(
            "/availableNumbers:rentAny", json_body={"regionCode": region, "type": kind}
        )
        assert reply.status == 400

    async def test_rent_any_requires_fields(self, api: Api) -> None:
        """:rentAny without type is 400 with a fieldViolation for type."""
        reply = await api.post("/availableNumbers:rentAny", json_body={"regionCode": "US"})
        assert reply.status == 400
        assert reply.error["details"][0]["fieldViolations"][0]["field"] == "type"

    async def test_rent_any_no_match(self, api: Api) -> None:
        """:rentAny with a pattern nothing matches is 404."""
        body = {
            "regionCode": "US",
            "type": "LOCAL",
            "numberPattern": {"pattern": "+1999", "searchPattern": "START"},
        }
        assert (await api.post("/availableNumbers:rentAny", json_body=body)).status == 404

    @pytest.mark.parametrize(
        "body",
        [
            b"{not json",
            b"[1, 2]",
            json.dumps({"regionCode": "US", "type": "LOCAL", "smsConfiguration": {}}).encode(),
            json.dumps({"regionCode": "US", "type": "LOCAL", "voiceConfiguration": {}}).encode(),
            json.dumps({"regionCode": "US", "type": "LOCAL", "display_name": "x"}).encode(),
            json.dumps({"regionCode": "US", "type": "LOCAL", "capabilities": ["FAX"]}).encode(),
            json.dumps(
                {
                    "regionCode": "US",
                    "type": "LOCAL",
                    "voiceConfiguration": {"type": "EST", "appId": "a"},
                }
            ).encode(),
        ],
    )
    async def test_rent_any_bad_bodies(self, emu: NumbersEmulator, api: Api, body: bytes) -> None:
        """Malformed JSON, non-objects, empty configs, unknown fields and bad values are 400
        and rent nothing."""
        reply = await api.post("/availableNumbers:rentAny", data=body)
        assert reply.status == 400
        assert reply.error["status"] == "INVALID_ARGUMENT"
        assert emu.active_phone_numbers() == []


class TestActiveNumbers:
    """Reading, updating and releasing active numbers."""

    async def test_not_found_envelope(self, api: Api) -> None:
        """An unknown active number is 404 with a ResourceInfo detail."""
        reply = await api.get(f"/activeNumbers/{enc('+12025550199')}")
        assert reply.status == 404
        assert reply.error["code"] == 404
        assert reply.error["status"] == "NOT_FOUND"
        (detail,) = reply.error["details"]
        assert detail["type"] == "ResourceInfo"
        assert detail["resourceType"] == "ActiveNumber"
        assert detail["resourceName"] == "+12025550199"
        assert detail["owner"] == ""
        assert detail["description"]

    async def test_wrong_project_is_403(self, api: Api) -> None:
        """A projectId other than the emulator's is 403 PERMISSION_DENIED."""
        reply = await api.get("/activeNumbers", project="someone-else")
        assert reply.status == 403
        assert reply.error["status"] == "PERMISSION_DENIED"

    async def test_update_display_name_and_callback(self, api: Api) -> None:
        """PATCH changes only the sent fields; explicit null clears a field."""
        phone = (await api.rent_any())["phoneNumber"]
        path = f"/activeNumbers/{enc(phone)}"
        updated = (
            await api.patch(
                path, json_body={"displayName": "Sales", "callbackUrl": "http://127.0.0.1:9/cb"}
            )
        ).json
        assert (updated["displayName"], updated["callbackUrl"]) == (
            "Sales",
            "http://127.0.0.1:9/cb",
        )
        updated = (await api.patch(path, json_body={"callbackUrl": None})).json
        assert (updated["displayName"], updated["callbackUrl"]) == ("Sales", "")
        assert (await api.patch(path, json_body={})).json == updated
        assert (await api.patch(path)).json == updated
        assert (await api.patch(path, json_body={"displayName": None})).json["displayName"] == ""

    @pytest.mark.parametrize(
        "body",
        [
            {"smsConfiguration": {}},
            {"voiceConfiguration": {}},
            {"voiceConfiguration": {"type": "SIP"}},
            {"displayName": 5},
            {"unknown": 1},
        ],
    )
    async def test_update_rejects_bad_bodies(self, api: Api, body: dict[str, Any]) -> None:
        """Empty configuration objects, bad types and unknown fields are 400."""
        phone = (await api.rent_any())["phoneNumber"]
        assert (await api.patch(f"/activeNumbers/{enc(phone)}", json_body=body)).status == 400

    async def test_must_unlink_before_relinking(self, emu: NumbersEmulator, api: Api) -> None:
        """Linking a second service plan without unlinking first is 400 and changes nothing."""
        (phone,) = emu.add_active_numbers(1, service_plan_id="plan-a")
        path = f"/activeNumbers/{enc(phone)}"
        reply = await api.patch(
            path, json_body={"displayName": "x", "smsConfiguration": {"servicePlanId": "plan-b"}}
        )
        assert reply.status == 400
        number = (await api.get(path)).json
        assert number["displayName"] == ""
        assert "scheduledProvisioning" not in number["smsConfiguration"]

    async def test_release(self, api: Api) -> None:
        """:release returns the number, removes it and puts it back on sale."""
        number = await api.rent_any()
        phone = number["phoneNumber"]
        reply = await api.post(f"/activeNumbers/{enc(phone)}:release")
        assert reply.status == 200
        assert reply.json["phoneNumber"] == phone
        assert (await api.get(f"/activeNumbers/{enc(phone)}")).status == 404
        assert (await api.post(f"/activeNumbers/{enc(phone)}:release")).status == 404
        assert (await api.get(f"/availableNumbers/{enc(phone)}")).status == 200


class TestListing:
    """activeNumbers filters, ordering and token pagination."""

    @pytest.fixture
    async def listing(self) -> AsyncIterator[tuple[NumbersEmulator, Api]]:
        async with NumbersEmulator(active_numbers=250) as emulator, open_api(emulator) as api:
            emulator.add_active_numbers(
                30, region_code="GB", number_type="MOBILE", display_name="gb-{i}"
            )
            emulator.add_active_numbers(
                20, region_code="US", number_type="TOLL_FREE", capabilities=["VOICE"]
            )
            yield emulator, api

    async def walk(
        self, api: Api, params: list[tuple[str, str | int]], *, validate: bool = True
    ) -> tuple[list[str], int]:
        """All phone numbers across pages, and the number of pages."""
        phones: list[str] = []
        token = ""
        pages = 0
        while True:
            query = [*params, *([("pageToken", token)] if token else [])]
            body = (await api.get("/activeNumbers", params=query, validate=validate)).json
            pages += 1
            phones.extend(n["phoneNumber"] for n in body["activeNumbers"])
            token = body["nextPageToken"]
            if not token:
                return phones, pages

    async def test_default_page(self, listing: tuple[NumbersEmulator, Api]) -> None:
        """Without pageSize a page has DEFAULT_PAGE_SIZE numbers; totalSize counts all."""
        _, api = listing
        body = (await api.get("/activeNumbers")).json
        assert len(body["activeNumbers"]) == DEFAULT_PAGE_SIZE
        assert body["totalSize"] == 300
        assert body["nextPageToken"]

    async def test_walk_all_pages(self, listing: tuple[NumbersEmulator, Api]) -> None:
        """Following nextPageToken yields every number once, in phone order; the last page's
        token is ""."""
        emulator, api = listing
        phones, pages = await self.walk(api, [("pageSize", 7)])
        assert phones == emulator.active_phone_numbers()
        assert pages == 43

    async def test_page_size_is_clamped(self, listing: tuple[NumbersEmulator, Api]) -> None:
        """pageSize above MAX_PAGE_SIZE is clamped."""
        emulator, api = listing
        emulator.add_active_numbers(MAX_PAGE_SIZE)
        body = (await api.get("/activeNumbers", params={"pageSize": 5000})).json
        assert len(body["activeNumbers"]) == MAX_PAGE_SIZE

    async def test_filters(self, listing: tuple[NumbersEmulator, Api]) -> None:
        """regionCode, type, repeated capability and numberPattern filter; totalSize follows."""
        _, api = listing
        gb = (await api.get("/activeNumbers", params={"regionCode": "GB"})).json
        assert gb["totalSize"] == 30
        assert all(n["regionCode"] == "GB" for n in gb["activeNumbers"])
        toll_free = (await api.get("/activeNumbers", params={"type": "TOLL_FREE"})).json
        assert toll_free["totalSize"] == 20
        both = [("capability", "SMS"), ("capability", "VOICE"), ("regionCode", "US")]
        assert (await api.get("/activeNumbers", params=both)).json["totalSize"] == 250
        voice = (await api.get("/activeNumbers", params=[("capability", "VOICE")])).json[
            "totalSize"
        ]
        assert voice == 300
        ends = (
            await api.get(
                "/activeNumbers",
                params={"numberPattern.pattern": "7", "numberPattern.searchPattern": "END"},
            )
        ).json
        assert ends["totalSize"] == sum(1 for n in (await self.walk(api, []))[0] if n.endswith("7"))

    async def test_filtered_walk(self, listing: tuple[NumbersEmulator, Api]) -> None:
        """Pages of a filtered listing cover exactly the matching numbers."""
        emulator, api = listing
        phones, _ = await self.walk(api, [("regionCode", "GB"), ("pageSize", 4)])
        assert phones == [p for p in emulator.active_phone_numbers() if p.startswith("+44")]

    async def test_order_by_display_name(self, listing: tuple[NumbersEmulator, Api]) -> None:
        """orderBy=displayName sorts by display name (ties by number) across pages."""
        emulator, api = listing
        phones, _ = await self.walk(
            api, [("orderBy", "displayName"), ("regionCode", "GB"), ("pageSize", 8)]
        )
        names = [emulator.active_number(p)["displayName"] for p in phones]  # type: ignore[index]
        assert names == sorted(names)
        assert len(phones) == 30

    async def test_token_rejected_under_other_filters(
        self, listing: tuple[NumbersEmulator, Api]
    ) -> None:
        """A page token only works with the filters and orderBy that produced it."""
        _, api = listing
        token = (await api.get("/activeNumbers", params={"regionCode": "US", "pageSize": 5})).json[
            "nextPageToken"
        ]
        assert (
            await api.get("/activeNumbers", params={"regionCode": "US", "pageToken": token})
        ).status == 200
        for changed in ({"regionCode": "GB"}, {"regionCode": "US", "orderBy": "displayName"}, {}):
            reply = await api.get("/activeNumbers", params={**changed, "pageToken": token})
            assert reply.status == 400
            assert reply.error["details"][0]["fieldViolations"][0]["field"] == "pageToken"

    async def test_forged_token(self, listing: tuple[NumbersEmulator, Api]) -> None:
        """A token the emulator did not issue is 400."""
        _, api = listing
        assert (await api.get("/activeNumbers", params={"pageToken": "b2Zmc2V0PTEw"})).status == 400

    @pytest.mark.parametrize(
        "params",
        [
            {"orderBy": "PHONE_NUMBER"},
            {"pageSize": -1},
            {"pageSize": "ten"},
            {"type": "FIXED"},
            {"capabilities": "SMS"},
        ],
    )
    async def test_bad_parameters(
        self, listing: tuple[NumbersEmulator, Api], params: dict[str, str | int]
    ) -> None:
        """Bad enum values, page sizes and unknown parameters are 400."""
        _, api = listing
        assert (await api.get("/activeNumbers", params=params)).status == 400

    async def test_many_numbers_are_fast(self) -> None:
        """20,000 numbers are added and listed in 1,000-number pages quickly."""
        started = time.perf_counter()
        async with NumbersEmulator(active_numbers=20_000) as emulator, open_api(emulator) as api:
            # Spec validation of 20,000 numbers would dominate the time; other tests cover it.
            phones, pages = await self.walk(api, [("pageSize", 1000)], validate=False)
        assert len(phones) == 20_000
        assert pages == 20
        assert time.perf_counter() - started < 5


class TestRegions:
    """availableRegions."""

    async def test_all_regions(self, api: Api) -> None:
        """Without types every region is listed with its types."""
        regions = {
            r["regionCode"]: r
            for r in (await api.get("/availableRegions")).json["availableRegions"]
        }
        assert {"US", "GB", "SE", "DE", "CA"} <= set(regions)
        assert regions["US"]["regionName"] == "United States"
        assert set(regions["GB"]["types"]) == {"MOBILE", "LOCAL", "TOLL_FREE"}

    async def test_filter_by_types(self, api: Api) -> None:
        """Repeated types keys keep regions selling any of them."""
        regions = (await api.get("/availableRegions", params=[("types", "TOLL_FREE")])).json[
            "availableRegions"
        ]
        assert regions
        assert all("TOLL_FREE" in r["types"] for r in regions)
        assert (await api.get("/availableRegions", params={"types": "FIXED"})).status == 400


class TestCallbackConfiguration:
    """callbackConfiguration GET and PATCH."""

    async def test_get(self, emu: NumbersEmulator, api: Api) -> None:
        """GET returns the project and the current secret."""
        assert (await api.get("/callbackConfiguration")).json == {
            "projectId": emu.project_id,
            "hmacSecret": DEFAULT_HMAC_SECRET,
        }

    async def test_update(self, emu: NumbersEmulator, api: Api) -> None:
        """PATCH sets a valid secret."""
        secret = "a" * 20 + "-" + "B1" * 10
        reply = await api.patch("/callbackConfiguration", json_body={"hmacSecret": secret})
        assert reply.json["hmacSecret"] == secret
        assert emu.hmac_secret == secret

    @pytest.mark.parametrize("secret", ["too-short", "x" * 65, "has space" * 5, 123])
    async def test_update_rejects_bad_secret(self, api: Api, secret: Any) -> None:
        """A secret not matching ^[a-zA-Z0-9-]{32,64}$ is 400 naming hmacSecret."""
        reply = await api.patch("/callbackConfiguration", json_body={"hmacSecret": secret})
        assert reply.status == 400
        assert reply.error["details"][0]["fieldViolations"][0]["field"] == "hmacSecret"


_ADDRESS = {
    "streetNumber": "12345",
    "streetInfo": "Main St",
    "location": "Apt 5",
    "city": "Springfield",
    "state": "IL",
    "postalCode": "62701",
    "postalCodePlusFour": "1234",
}


class TestEmergencyAddress:
    """The four emergency address operations."""

    async def test_provision_get_deprovision(self, api: Api) -> None:
        """Provision stores the address, GET returns it, deprovision forgets it (empty 200)."""
        base = f"/activeNumbers/{enc((await api.rent_any())['phoneNumber'])}/emergencyAddress"
        assert (await api.get(base)).status == 404
        reply = await api.post(
            f"{base}:provision", json_body={"displayName": "HQ", "address": _ADDRESS}
        )
        assert reply.json == _ADDRESS
        assert (await api.get(base)).json == _ADDRESS
        reply = await api.post(f"{base}:deprovision")
        assert (reply.status, reply.raw) == (200, b"")
        assert (await api.get(base)).status == 404

    async def test_provision_requires_fields(self, api: Api) -> None:
        """A missing required address field is 400 naming it."""
        base = f"/activeNumbers/{enc((await api.rent_any())['phoneNumber'])}/emergencyAddress"
        address = {k: v for k, v in _ADDRESS.items() if k != "city"}
        reply = await api.post(
            f"{base}:provision", json_body={"displayName": "HQ", "address": address}
        )
        assert reply.status == 400
        assert reply.error["details"][0]["fieldViolations"][0]["field"] == "address.city"

    async def test_unknown_number(self, api: Api) -> None:
        """Emergency address calls on a number that is not active are 404."""
        base = f"/activeNumbers/{enc('+12025550100')}/emergencyAddress"
        assert (await api.post(f"{base}:deprovision")).status == 404

    @pytest.mark.parametrize(
        ("change", "result"),
        [
            ({}, "EXACT_MATCH"),
            ({"streetInfo": "Main Street"}, "NEAR_MATCH"),
            ({"state": "il"}, "NEAR_MATCH"),
            ({"postalCode": "6270"}, "NO_MATCH"),
            ({"state": "Illinois"}, "NO_MATCH"),
        ],
    )
    async def test_validate(self, api: Api, change: dict[str, str], result: str) -> None:
        """:validate answers deterministically from the input."""
        phone = (await api.rent_any())["phoneNumber"]
        address = {**_ADDRESS, **change}
        body = {"displayName": "HQ", "address": address}
        path = f"/activeNumbers/{enc(phone)}/emergencyAddress:validate"
        reply = (await api.post(path, json_body=body)).json
        assert reply["validationResult"] == result
        assert reply["validatedAddress"] == address
        assert reply["phoneNumber"] == phone
        if result == "NEAR_MATCH":
            assert reply["correctedAddress"]["streetInfo"] == "Main St"
            assert reply["correctedAddress"]["state"] == "IL"
        if result == "NO_MATCH":
            assert len(reply["candidateAddresses"]) == 2
        else:
            assert reply["candidateAddresses"] == []
        assert (await api.post(path, json_body=body)).json == reply


class TestRouting:
    """Paths and methods outside the operation table."""

    async def test_unknown_path(self, api: Api) -> None:
        """An unknown path is 404 with an error envelope."""
        reply = await api.get("/nothingHere")
        assert reply.status == 404
        assert reply.error["status"] == "NOT_FOUND"

    async def test_wrong_method(self, api: Api) -> None:
        """A known path with another method is 405 with Allow."""
        reply = await api.request("DELETE", "/activeNumbers")
        assert reply.status == 405
        assert reply.headers["Allow"] == "GET"

    def test_every_non_order_operation_is_routed(self) -> None:
        """The route table has every spec operation outside Number Orders, and nothing that
        is not in the spec."""
        operations = [
            op
            for item in load_spec()["paths"].values()
            for op in item.values()
            if "operationId" in op
        ]
        orders = {op["operationId"] for op in operations if "Number Order" in op["tags"]}
        others = {op["operationId"] for op in operations} - orders
        routed = {route.operation for route in NumbersEmulator().router}
        assert len(others) == 15
        assert others <= routed
        assert routed - others <= orders

    async def test_extension_routes(self, emu: NumbersEmulator, api: Api) -> None:
        """Routes added to emu.router get auth, the projectId check and error envelopes."""

        async def hello(ctx: RequestContext) -> web.StreamResponse:
            body = ctx.json_body(required=True) or {}
            if "name" not in body:
                raise invalid_argument("name is required", ("name", "missing"))
            return json_response({"hello": body["name"], "order": ctx.params["orderId"]})

        emu.router.add("POST", "/v1/projects/{projectId}/things/{orderId}:greet", hello)
        reply = await api.post("/things/o1:greet", json_body={"name": "x"})
        assert (reply.status, reply.json) == (200, {"hello": "x", "order": "o1"})
        assert emu.requests[-1].operation == "hello"
        assert (await api.post("/things/o1:greet", json_body={})).error["status"] == (
            "INVALID_ARGUMENT"
        )
        assert (await api.post("/things/o1:greet", data=b"{")).status == 400
        assert (await api.post("/things/o1:greet", project="other", json_body={})).status == 403
        assert (await api.post("/things/o1:greet", auth=None)).status == 401

    async def test_auth_comes_before_routing(self, api: Api) -> None:
        """Without credentials even an unknown path is 401."""
        assert (await api.get("/nothingHere", auth=None)).status == 401


class TestRequestLog:
    """emu.requests and emu.stats."""

    async def test_records_requests(self, emu: NumbersEmulator, api: Api) -> None:
        """Each request is recorded with decoded and raw path, query pairs, headers, body,
        status and operation."""
        number = await api.rent_any()
        phone = number["phoneNumber"]
        await api.patch(f"/activeNumbers/{enc(phone)}", json_body={"displayName": "n"})
        await api.get("/activeNumbers", params=[("capability", "SMS"), ("capability", "VOICE")])
        rent, patch, listing = emu.requests
        assert isinstance(rent, RecordedRequest)
        assert rent.operation == "NumberService_RentAnyNumber"
        assert json.loads(rent.body) == {"regionCode": "US", "type": "LOCAL"}
        assert patch.path.endswith(f"/activeNumbers/{phone}")
        assert patch.raw_path.endswith(f"/activeNumbers/{enc(phone)}")
        assert patch.json() == {"displayName": "n"}
        assert patch.headers["Authorization"].startswith("Basic ")
        assert listing.query == [("capability", "SMS"), ("capability", "VOICE")]
        assert [r.status for r in emu.requests] == [200, 200, 200]
        assert all(r.fault is None for r in emu.requests)
        assert emu.stats.api_requests == 3
        emu.clear_requests()
        assert emu.requests == []

    async def test_records_token_requests(self, emu: NumbersEmulator, api: Api) -> None:
        """Token requests are recorded with operation 'oauth2.token'."""
        await api.token()
        (record,) = emu.requests
        assert (record.operation, record.status, record.path) == (
            "oauth2.token",
            200,
            "/oauth2/token",
        )
        assert emu.stats.token_requests == 1
