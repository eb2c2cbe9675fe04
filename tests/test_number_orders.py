"""Number Orders (the KYC flow): the SDK service against the emulator and a scripted server."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from sinch_numbers import (
    ApiError,
    Capability,
    InvalidArgumentError,
    NotFoundError,
    NumberOrderState,
    NumbersClient,
    NumberType,
    RetryPolicy,
    SearchPattern,
    ServerError,
    SmsConfiguration,
    UploadStatus,
    VoiceConfigurationEST,
    VoiceConfigurationRTC,
)
from sinch_numbers._order_models import NumberOrder, NumberOrderOption, QuantityOrderOption
from sinch_numbers.testing import Fault, NumbersEmulator
from sinch_numbers.testing._orders import NumberOrderDesk, number_orders, requirements_json
from tests.scripted_server import ScriptedServer, Seen, json_response
from tests.spec_validation import load_spec, validate_callback, validate_request, validate_schema

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"
AU = {"regionCode": "AU", "numberType": "MOBILE"}
DETAILS = {
    "businessName": "Example Pty Ltd",
    "businessAddress": "1 Example St, Melbourne VIC 3000",
    "contactEmail": "kyc@example.com",
}


@pytest.fixture
async def emu() -> AsyncIterator[NumbersEmulator]:
    """A running emulator whose orders are reviewed within 50 ms."""
    async with NumbersEmulator(seed=3, provisioning_delay=0.02) as emulator:
        number_orders(emulator).review_delay = 0.05
        yield emulator


@pytest.fixture
def desk(emu: NumbersEmulator) -> NumberOrderDesk:
    """The emulator's number-order state and knobs."""
    return number_orders(emu)


@pytest.fixture
async def client(emu: NumbersEmulator) -> AsyncIterator[NumbersClient]:
    """A client of the emulator with Basic auth (so no token request is recorded)."""
    async with emu.client(auth="basic") as numbers_client:
        yield numbers_client


def order_requests(emu: NumbersEmulator) -> list[Any]:
    """The requests the emulator saw for number orders."""
    return [r for r in emu.requests if "/numberOrders" in r.path]


async def create_au_order(client: NumbersClient) -> NumberOrder:
    """An AU MOBILE order of one number (documents required there)."""
    return await client.number_orders.create(
        region_code="AU", number_type=NumberType.MOBILE, quantity=1
    )


def example(name: str) -> Any:
    """A named example value from the spec."""
    return load_spec()["components"]["examples"][name]["value"]


class TestFlow:
    """lookup -> create -> registration -> upload -> submit -> wait, against the emulator."""

    async def test_full_flow_ends_with_an_active_number(
        self,
        emu: NumbersEmulator,
        desk: NumberOrderDesk,
        client: NumbersClient,
        server: ScriptedServer,
        tmp_path: Path,
    ) -> None:
        """A complete KYC order reserves the number, stores the upload and activates it."""
        callbacks: list[bytes] = []

        def receive(seen: Seen) -> web.Response:
            callbacks.append(seen.body)
            return web.Response()

        server.route("POST", "/events", receive)
        orders = client.number_orders

        requirements = await orders.lookup_requirements(region_code="AU", number_type="MOBILE")
        [mandatory] = requirements.mandatory_attachments
        assert mandatory.id == "proof-of-address"
        assert "application/pdf" in mandatory.allowed_mime_types
        assert requirements.fields["required"] == list(DETAILS)

        [available] = await client.available_numbers.list(
            region_code="AU", number_type=NumberType.MOBILE, size=1
        ).collect()
        order = await orders.create(
            region_code="AU",
            number_type=NumberType.MOBILE,
            phone_numbers=available.phone_number,
            sms_configuration=SmsConfiguration("plan-au"),
            voice_configuration=VoiceConfigurationRTC("app-au"),
            callback_url=f"{server.base_url}/events",
        )
        assert order.state is NumberOrderState.CREATED
        assert order.id == order.id_number_order
        assert order.phone_numbers == [available.phone_number]
        price = order.order_numbers[0].number_price
        assert price is not None and price.monthly_price is not None
        assert price.monthly_price.amount == Decimal("6.50")
        assert order.expire_time is not None and order.expire_time > datetime.now(UTC)
        assert isinstance(order.voice_configuration, VoiceConfigurationRTC)
        assert order.voice_configuration.app_id == "app-au"
        with pytest.raises(NotFoundError):  # reserved: no longer on sale
            await client.available_numbers.get(available.phone_number)

        registration = await orders.update_registration(order.id, DETAILS)
        assert registration.request_details == DETAILS
        assert (await orders.get_registration(order.id)).request_details == DETAILS

        document = tmp_path / "utility bill.pdf"
        document.write_bytes(PDF)
        await orders.upload_attachment(
            order.id, mandatory.id, document, document_type="Utility bill"
        )
        [stored] = desk.attachments(order.id)
        assert (stored.file_name, stored.mime_type) == ("utility bill.pdf", "application/pdf")
        assert (stored.document_type, stored.data) == ("Utility bill", PDF)
        [listed] = (await orders.get_registration(order.id)).attachments
        assert listed.upload_status is UploadStatus.COMPLETED
        assert listed.file_name == "utility bill.pdf"

        submitted = await orders.submit(order.id)
        assert submitted.state is NumberOrderState.IN_REVIEW
        done = await orders.wait_for_state(
            order.id, NumberOrderState.COMPLETED, timeout=10, initial_interval=0.02
        )
        assert done.state is NumberOrderState.COMPLETED

        active = await client.active_numbers.get(available.phone_number)
        assert active.region_code == "AU"
        assert active.callback_url == f"{server.base_url}/events"

        await emu.state.wait_callbacks(2, timeout=5)
        events = [json.loads(body) for body in callbacks]
        assert [(e["resourceId"], e["status"]) for e in events] == [
            (order.id, "IN_REVIEW"),
            (order.id, "COMPLETED"),
        ]
        for body in callbacks:
            validate_callback(body)

    async def test_requests_and_emulator_objects_follow_the_spec(
        self, emu: NumbersEmulator, desk: NumberOrderDesk, client: NumbersClient
    ) -> None:
        """Every JSON request the SDK sends, and every object the emulator serves, fits the spec."""
        orders = client.number_orders
        requirements = await orders.lookup_requirements(region_code="DE", number_type="LOCAL")
        order = await orders.create(
            region_code="DE",
            number_type="LOCAL",
            quantity=QuantityOrderOption(2, capabilities=Capability.VOICE, sequential=False),
            voice_configuration=VoiceConfigurationEST("trunk-1"),
        )
        await orders.update_registration(order.id, DETAILS)
        await orders.upload_attachment(order.id, "proof-of-address", PDF, file_name="a.pdf")
        await orders.submit(order.id)
        for record in order_requests(emu):
            if "/attachments/" not in record.path:
                body = record.body or None
                validate_request(record.method, record.raw_path, record.query, record.headers, body)
        assert [a.id for a in requirements.attachments] == [
            "proof-of-address",
            "business-registration",
        ]
        validate_schema("NumberRequirements", requirements_json("DE", "LOCAL"))
        validate_schema("NumberOrder", desk.order(order.id).to_json())
        validate_schema("Registration", desk.order(order.id).registration_json())

    async def test_quantity_order_sends_its_criteria(
        self, emu: NumbersEmulator, client: NumbersClient
    ) -> None:
        """A quantity order sends its criteria and gets numbers that match them."""
        order = await client.number_orders.create(
            region_code="US",
            number_type=NumberType.LOCAL,
            quantity=QuantityOrderOption(
                3,
                number_pattern="+1206",
                search_pattern=SearchPattern.START,
                capabilities=[Capability.SMS],
                sequential=False,
            ),
        )
        assert len(order.phone_numbers) == 3
        assert all(p.startswith("+1206") for p in order.phone_numbers)
        assert all(Capability.SMS in n.capabilities for n in order.order_numbers)
        [create] = order_requests(emu)
        assert create.json() == {
            "regionCode": "US",
            "numberType": "LOCAL",
            "quantityOrderOption": {
                "requestedQuantity": 3,
                "numberPattern": {"pattern": "+1206", "searchPattern": "START"},
                "sequential": False,
                "capabilities": ["SMS"],
            },
        }

    async def test_region_without_documents_completes_without_upload(
        self, client: NumbersClient
    ) -> None:
        """Where no document is required, registration details alone complete the order."""
        requirements = await client.number_orders.lookup_requirements(
            region_code="US", number_type="LOCAL"
        )
        assert requirements.attachments == []
        order = await client.number_orders.create(
            region_code="US",
            number_type="LOCAL",
            phone_numbers=NumberOrderOption(
                [
                    (
                        await client.available_numbers.list(
                            region_code="US", number_type="LOCAL", size=1
                        ).collect()
                    )[0].phone_number
                ]
            ),
        )
        await client.number_orders.update_registration(order.id, {"businessName": "Acme"})
        await client.number_orders.submit(order.id)
        done = await client.number_orders.wait(order.id, "COMPLETED", initial_interval=0.02)
        assert done.state is NumberOrderState.COMPLETED

    async def test_missing_mandatory_attachment_is_rejected(self, client: NumbersClient) -> None:
        """Without the mandatory document the order ends REJECTED, says why, frees the number."""
        order = await create_au_order(client)
        await client.number_orders.update_registration(order.id, DETAILS)
        await client.number_orders.submit(order.id)
        done = await client.number_orders.wait_for_state(
            order.id, NumberOrderState.COMPLETED, timeout=10, initial_interval=0.02
        )
        assert done.state is NumberOrderState.REJECTED  # final: waiting for COMPLETED stops
        [log] = (await client.number_orders.get_registration(order.id)).logs
        assert log.message is not None and "Proof of address" in log.message
        assert log.create_time is not None
        await client.available_numbers.get(order.phone_numbers[0])  # on sale again

    async def test_outcome_can_be_forced(self, client: NumbersClient) -> None:
        """``requestDetails.emulatorOutcome`` forces the review outcome (here BLOCKED)."""
        order = await create_au_order(client)
        await client.number_orders.update_registration(order.id, {"emulatorOutcome": "BLOCKED"})
        await client.number_orders.submit(order.id)
        done = await client.number_orders.wait_for_state(
            order.id, NumberOrderState.BLOCKED, timeout=10, initial_interval=0.02
        )
        assert done.state is NumberOrderState.BLOCKED

    async def test_registration_is_frozen_after_submit(self, client: NumbersClient) -> None:
        """An order in review rejects registration changes and a second submit with 400."""
        order = await create_au_order(client)
        await client.number_orders.submit(order.id)
        with pytest.raises(InvalidArgumentError):
            await client.number_orders.update_registration(order.id, DETAILS)
        with pytest.raises(InvalidArgumentError):
            await client.number_orders.submit(order.id)

    async def test_unknown_order_is_not_found(self, client: NumbersClient) -> None:
        """Every per-order call answers 404 for an order that does not exist."""
        orders = client.number_orders
        for call in (
            orders.get("nope"),
            orders.get_registration("nope"),
            orders.update_registration("nope", {}),
            orders.upload_attachment("nope", "proof-of-address", b"x"),
            orders.submit("nope"),
        ):
            with pytest.raises(NotFoundError) as caught:
                await call
            assert caught.value.status == "NOT_FOUND"


class TestExpiry:
    """Orders not submitted in time."""

    async def test_order_expires_and_frees_its_numbers(
        self, emu: NumbersEmulator, desk: NumberOrderDesk, client: NumbersClient
    ) -> None:
        """After its lifetime an unsubmitted order is EXPIRED, its number on sale, submit 400."""
        desk.order_lifetime = 0.05
        order = await create_au_order(client)
        expired = await client.number_orders.wait_for_state(
            order.id, NumberOrderState.EXPIRED, timeout=5, initial_interval=0.02
        )
        assert expired.state is NumberOrderState.EXPIRED
        assert expired.expire_time is None
        await client.available_numbers.get(order.phone_numbers[0])  # on sale again
        with pytest.raises(InvalidArgumentError):
            await client.number_orders.submit(order.id)
        assert [(e["resourceId"], e["status"]) for e in emu.state.events] == [(order.id, "EXPIRED")]


class TestUpload:
    """upload_attachment: sources, names, MIME types, streaming and limits."""

    async def test_from_path(
        self, emu: NumbersEmulator, desk: NumberOrderDesk, client: NumbersClient, tmp_path: Path
    ) -> None:
        """A path is streamed (chunked) with its base name and a MIME type guessed from it."""
        big = os.urandom(700 * 1024) + b"\r\n--not-a-boundary\r\n"
        path = tmp_path / "scan.png"
        path.write_bytes(big)
        order = await create_au_order(client)
        await client.number_orders.upload_attachment(order.id, "proof-of-address", str(path))
        [stored] = desk.attachments(order.id)
        assert (stored.file_name, stored.mime_type, stored.data) == ("scan.png", "image/png", big)
        assert stored.document_type is None
        upload = order_requests(emu)[-1]
        assert upload.headers.get("Transfer-Encoding") == "chunked"

    async def test_from_bytes(
        self, emu: NumbersEmulator, desk: NumberOrderDesk, client: NumbersClient
    ) -> None:
        """Bytes go out with the given name and an explicit MIME type and document type."""
        order = await create_au_order(client)
        await client.number_orders.upload_attachment(
            order.id,
            "proof-of-address",
            bytearray(PDF),
            file_name="relevé d'identité.pdf",
            content_type="application/pdf",
            document_type="Bank statement",
        )
        [stored] = desk.attachments(order.id)
        assert stored.file_name == "relevé d'identité.pdf"
        assert (stored.mime_type, stored.document_type, stored.data) == (
            "application/pdf",
            "Bank statement",
            PDF,
        )
        upload = order_requests(emu)[-1]
        assert upload.headers["Content-Type"].startswith("multipart/form-data; boundary=")

    async def test_bytes_without_name_are_octet_stream(
        self, desk: NumberOrderDesk, client: NumbersClient
    ) -> None:
        """Bytes without a name are sent as ``attachment``, ``application/octet-stream``."""
        order = await create_au_order(client)
        await client.number_orders.upload_attachment(order.id, "business-registration", b"\x00")
        [stored] = desk.attachments(order.id)
        assert (stored.file_name, stored.mime_type) == ("attachment", "application/octet-stream")

    async def test_from_file_object(
        self, desk: NumberOrderDesk, client: NumbersClient, tmp_path: Path
    ) -> None:
        """A binary file is read from its position, named after it and left open."""
        path = tmp_path / "statement.pdf"
        path.write_bytes(b"skip" + PDF)
        order = await create_au_order(client)
        with path.open("rb") as handle:
            handle.seek(4)
            await client.number_orders.upload_attachment(order.id, "proof-of-address", handle)
            assert not handle.closed
        [stored] = desk.attachments(order.id)
        assert (stored.file_name, stored.data) == ("statement.pdf", PDF)

    async def test_from_unnamed_stream(self, desk: NumberOrderDesk, client: NumbersClient) -> None:
        """A nameless binary stream needs ``file_name`` only for a better name than the default."""
        order = await create_au_order(client)
        await client.number_orders.upload_attachment(
            order.id, "proof-of-address", io.BytesIO(PDF), file_name="doc.pdf"
        )
        [stored] = desk.attachments(order.id)
        assert (stored.file_name, stored.mime_type, stored.data) == (
            "doc.pdf",
            "application/pdf",
            PDF,
        )

    async def test_reupload_replaces(self, desk: NumberOrderDesk, client: NumbersClient) -> None:
        """Uploading to the same attachment id again replaces the stored file."""
        order = await create_au_order(client)
        await client.number_orders.upload_attachment(
            order.id, "proof-of-address", PDF, file_name="a.pdf"
        )
        await client.number_orders.upload_attachment(
            order.id, "proof-of-address", b"%PDF2", file_name="b.pdf"
        )
        [stored] = desk.attachments(order.id)
        assert (stored.file_name, stored.data) == ("b.pdf", b"%PDF2")

    async def test_too_large_is_an_api_error_with_content_too_large(
        self, emu: NumbersEmulator, desk: NumberOrderDesk, client: NumbersClient, tmp_path: Path
    ) -> None:
        """Above the size limit the upload fails with a 413 ApiError carrying CONTENT_TOO_LARGE."""
        desk.max_attachment_size = 1024
        path = tmp_path / "huge.pdf"
        path.write_bytes(b"x" * 4096)
        order = await create_au_order(client)
        with pytest.raises(ApiError) as caught:
            await client.number_orders.upload_attachment(order.id, "proof-of-address", path)
        error = caught.value
        assert type(error) is ApiError
        assert (error.http_status, error.status) == (413, "CONTENT_TOO_LARGE")
        [detail] = error.details
        assert detail["resourceName"].endswith("/attachments/proof-of-address")
        assert detail["description"]
        assert desk.attachments(order.id) == []
        assert len([r for r in order_requests(emu) if "/attachments/" in r.path]) == 1

    async def test_disallowed_mime_type_is_rejected(self, client: NumbersClient) -> None:
        """The emulator refuses a MIME type the requirement does not allow (400)."""
        order = await create_au_order(client)
        with pytest.raises(InvalidArgumentError):
            await client.number_orders.upload_attachment(
                order.id, "proof-of-address", b"hello", file_name="notes.txt"
            )

    async def test_unknown_attachment_id_is_not_found(self, client: NumbersClient) -> None:
        """An attachment id that the requirements do not list answers 404."""
        order = await create_au_order(client)
        with pytest.raises(NotFoundError):
            await client.number_orders.upload_attachment(order.id, "selfie", PDF)

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"file": "/nonexistent/file.pdf"}, FileNotFoundError),
            ({"file": io.StringIO("text")}, TypeError),
            ({"file": 42}, TypeError),
            ({"file": PDF, "content_type": "pdf"}, ValueError),
            ({"file": PDF, "file_name": ""}, ValueError),
            ({"file": PDF, "file_name": "a\r\nb.pdf"}, ValueError),
            ({"file": PDF, "document_type": ""}, ValueError),
            ({"file": PDF, "attachment_id": "../x"}, ValueError),
            ({"file": PDF, "number_order_id": "a/b"}, ValueError),
        ],
        ids=[
            "missing-path",
            "text-file",
            "int",
            "bad-mime",
            "empty-name",
            "crlf-name",
            "empty-document-type",
            "bad-attachment-id",
            "bad-order-id",
        ],
    )
    async def test_bad_arguments_send_nothing(
        self,
        emu: NumbersEmulator,
        client: NumbersClient,
        kwargs: dict[str, Any],
        error: type[Exception],
    ) -> None:
        """Bad upload arguments raise before any request is sent."""
        args = {"number_order_id": "order1", "attachment_id": "proof-of-address", **kwargs}
        with pytest.raises(error):
            await client.number_orders.upload_attachment(**args)
        assert emu.requests == []

    async def test_cancelled_upload_closes_the_file(self, tmp_path: Path) -> None:
        """Cancelling an upload mid-stream ends promptly and leaves the file closed."""
        path = tmp_path / "big.pdf"
        with path.open("wb") as handle:
            handle.truncate(64 * 1024 * 1024)  # far more than the socket buffers hold
        started = asyncio.Event()

        async def stall(request: web.Request) -> web.Response:
            started.set()
            await asyncio.Event().wait()  # never reads the body: the client blocks writing it
            return web.Response()

        app = web.Application()
        app.router.add_post("/{tail:.*}", stall)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            async with NumbersClient(
                "p", "k", "s", auth="basic", base_url=f"http://127.0.0.1:{port}"
            ) as numbers_client:
                upload = asyncio.create_task(
                    numbers_client.number_orders.upload_attachment("o1", "a1", path)
                )
                await asyncio.wait_for(started.wait(), 5)
                await asyncio.sleep(0.1)
                assert open_files(path) == 1
                upload.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await asyncio.wait_for(upload, 1)
                for _ in range(50):  # the body writer's cancellation lands a moment later
                    if open_files(path) == 0:
                        break
                    await asyncio.sleep(0.01)
                assert open_files(path) == 0
        finally:
            await runner.cleanup()

    async def test_upload_is_not_repeated_after_a_server_error(
        self, emu: NumbersEmulator, desk: NumberOrderDesk, client: NumbersClient, tmp_path: Path
    ) -> None:
        """A 5xx on upload (it may have been stored) is raised at once with a hint to check."""
        path = tmp_path / "doc.pdf"
        path.write_bytes(PDF)
        order = await create_au_order(client)
        emu.inject(Fault.SERVER_ERROR, status=503, method="POST", path="/attachments/")
        with pytest.raises(ServerError) as caught:
            await client.number_orders.upload_attachment(order.id, "proof-of-address", path)
        assert caught.value.outcome_unknown
        assert "get_registration" in str(caught.value)
        assert len([r for r in order_requests(emu) if "/attachments/" in r.path]) == 1

    async def test_upload_retries_when_the_connection_was_refused(self, tmp_path: Path) -> None:
        """When the request never reached a server it is retried, reopening the file each time."""
        path = tmp_path / "doc.pdf"
        path.write_bytes(PDF)
        async with NumbersEmulator() as emulator:
            base_url = emulator.base_url
        # The emulator is gone: every attempt is refused before anything is sent.
        retry = RetryPolicy(max_attempts=3, backoff_initial=0.001, backoff_max=0.002)
        async with NumbersClient("p", "k", "s", auth="basic", base_url=base_url, retry=retry) as c:
            with pytest.raises(Exception, match="ClientConnectorError") as caught:
                await c.number_orders.upload_attachment("o1", "proof-of-address", path)
        assert "3 attempts" in str(caught.value)


class TestCreateValidation:
    """create(): exactly one order option, checked before anything is sent."""

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({}, ValueError, "exactly one of phone_numbers"),
            ({"phone_numbers": "+61412345678", "quantity": 1}, ValueError, "exactly one"),
            ({"phone_numbers": []}, ValueError, "exactly one number"),
            ({"phone_numbers": ["+61412345678", "+61412345679"]}, ValueError, "exactly one number"),
            ({"phone_numbers": NumberOrderOption([])}, ValueError, "exactly one number"),
            ({"phone_numbers": "0412345678"}, ValueError, "E.164"),
            ({"phone_numbers": 61412345678}, TypeError, "phone_numbers"),
            ({"quantity": 0}, ValueError, "between 1 and 100"),
            ({"quantity": 101}, ValueError, "between 1 and 100"),
            ({"quantity": True}, TypeError, "quantity"),
            ({"quantity": "3"}, TypeError, "quantity"),
            ({"quantity": QuantityOrderOption(2, search_pattern="START")}, ValueError, "needs"),
            ({"quantity": QuantityOrderOption(2, number_pattern="6-4")}, ValueError, "pattern"),
            ({"quantity": QuantityOrderOption(2, sequential=1)}, TypeError, "sequential"),  # type: ignore[arg-type]
            ({"quantity": QuantityOrderOption(2, capabilities="FAX")}, ValueError, "capabilities"),
            ({"quantity": 1, "region_code": "AUS"}, ValueError, "region_code"),
            ({"quantity": 1, "number_type": "FIXED"}, ValueError, "number_type"),
            ({"quantity": 1, "sms_configuration": SmsConfiguration(None, "c")}, ValueError, "plan"),
            ({"quantity": 1, "voice_configuration": VoiceConfigurationRTC()}, ValueError, "app_id"),
            ({"quantity": 1, "callback_url": "ftp://x"}, ValueError, "callback_url"),
        ],
        ids=[
            "neither",
            "both",
            "no-number",
            "two-numbers",
            "empty-option",
            "not-e164",
            "int-number",
            "zero",
            "over-100",
            "bool",
            "str",
            "search-without-pattern",
            "bad-pattern",
            "sequential-int",
            "bad-capability",
            "bad-region",
            "bad-type",
            "sms-without-plan",
            "voice-without-id",
            "bad-callback",
        ],
    )
    async def test_rejected_before_sending(
        self,
        emu: NumbersEmulator,
        client: NumbersClient,
        kwargs: dict[str, Any],
        error: type[Exception],
        match: str,
    ) -> None:
        """Invalid create arguments raise a clear error and send no request."""
        args: dict[str, Any] = {"region_code": "AU", "number_type": "MOBILE", **kwargs}
        with pytest.raises(error, match=match):
            await client.number_orders.create(**args)
        assert emu.requests == []

    @pytest.mark.parametrize(
        ("call", "args"),
        [
            ("get", ("",)),
            ("get", ("a b",)),
            ("get_registration", ("..",)),
            ("submit", ("x/y",)),
            ("update_registration", ("o1", ["not", "a", "mapping"])),
            ("update_registration", ("o1", {1: "x"})),
            ("wait_for_state", ("o1", [])),
            ("wait_for_state", ("o1", "DONE")),
        ],
        ids=[
            "empty-id",
            "space",
            "dots",
            "slash",
            "list-details",
            "int-key",
            "no-states",
            "bad-state",
        ],
    )
    async def test_other_calls_check_arguments(
        self, emu: NumbersEmulator, client: NumbersClient, call: str, args: tuple[Any, ...]
    ) -> None:
        """IDs are checked path segments and bodies are checked, before any request."""
        with pytest.raises((ValueError, TypeError)):
            await getattr(client.number_orders, call)(*args)
        assert emu.requests == []

    @pytest.mark.parametrize(
        "body",
        [
            AU,
            {
                **AU,
                "numberOrderOption": {"phoneNumbers": ["+61412345678"]},
                "quantityOrderOption": {"requestedQuantity": 1},
            },
            {**AU, "quantityOrderOption": {"requestedQuantity": 0}},
            {**AU, "quantityOrderOption": {"requestedQuantity": 101}},
            {**AU, "quantityOrderOption": {}},
            {**AU, "numberOrderOption": {"phoneNumbers": ["+61412345678", "+61412345679"]}},
            {**AU, "numberOrderOption": {"phoneNumbers": ["+61400000000"]}},
            {**AU, "numberType": "TOLL_FREE", "quantityOrderOption": {"requestedQuantity": 1}},
            {**AU, "quantityOrderOption": {"requestedQuantity": 1}, "smsConfiguration": {}},
        ],
        ids=[
            "no-option",
            "both",
            "zero",
            "over-100",
            "no-quantity",
            "two-numbers",
            "unavailable-number",
            "type-not-offered",
            "sms-without-plan",
        ],
    )
    async def test_emulator_rejects_invalid_bodies(
        self, emu: NumbersEmulator, body: dict[str, Any]
    ) -> None:
        """The emulator answers 400 INVALID_ARGUMENT to create bodies the API would refuse."""
        url = f"{emu.base_url}/v1/projects/{emu.project_id}/numberOrders:createNumberOrder"
        credentials = base64.b64encode(f"{emu.key_id}:{emu.key_secret}".encode()).decode()
        headers = {"Authorization": f"Basic {credentials}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=body, headers=headers) as response,
        ):
            payload = await response.json()
        assert response.status == 400
        assert payload["error"]["status"] == "INVALID_ARGUMENT"
        assert number_orders(emu).orders == {}

    async def test_create_is_not_repeated_after_a_server_error(
        self, emu: NumbersEmulator, client: NumbersClient
    ) -> None:
        """A 5xx on create is raised at once (the order may exist), with a hint what to check."""
        emu.inject(Fault.SERVER_ERROR, status=502, method="POST", path="createNumberOrder")
        with pytest.raises(ServerError) as caught:
            await create_au_order(client)
        assert caught.value.outcome_unknown
        assert len(order_requests(emu)) == 1


class TestWaitForState:
    """wait_for_state: polling with backoff, timeouts and cancellation."""

    async def test_returns_at_once_when_already_there(
        self, emu: NumbersEmulator, client: NumbersClient
    ) -> None:
        """An order already in a wanted state costs one GET."""
        order = await create_au_order(client)
        got = await client.number_orders.wait_for_state(
            order.id, {NumberOrderState.CREATED, NumberOrderState.IN_REVIEW}
        )
        assert got.state is NumberOrderState.CREATED
        assert [r.method for r in order_requests(emu)] == ["POST", "GET"]

    async def test_backoff_doubles_up_to_the_cap(
        self, emu: NumbersEmulator, client: NumbersClient
    ) -> None:
        """Pauses between polls start at initial_interval and double up to max_interval."""
        order = await create_au_order(client)
        with pytest.raises(TimeoutError):
            await client.number_orders.wait_for_state(
                order.id, "COMPLETED", timeout=0.75, initial_interval=0.05, max_interval=0.2
            )
        times = [r.time for r in order_requests(emu) if r.method == "GET"]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(gaps) >= 4
        for gap, pause in zip(gaps, [0.05, 0.1, 0.2, 0.2], strict=False):
            assert pause - 0.01 <= gap < pause + 0.15

    async def test_timeout_raises_timeout_error_with_last_state(
        self, client: NumbersClient
    ) -> None:
        """Past ``timeout`` a TimeoutError names the order, the wanted and the last state."""
        order = await create_au_order(client)
        started = time.monotonic()
        with pytest.raises(TimeoutError) as caught:
            await client.number_orders.wait_for_state(
                order.id, NumberOrderState.COMPLETED, timeout=0.2, initial_interval=0.05
            )
        assert time.monotonic() - started < 1.0
        message = str(caught.value)
        assert order.id in message and "COMPLETED" in message and "CREATED" in message

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"timeout": 0},
            {"timeout": -1},
            {"initial_interval": 0},
            {"max_interval": "1"},
            {"initial_interval": 5, "max_interval": 1},
        ],
    )
    async def test_bad_timing_arguments(
        self, emu: NumbersEmulator, client: NumbersClient, kwargs: dict[str, Any]
    ) -> None:
        """Non-positive or inconsistent timing arguments raise before any request."""
        with pytest.raises((ValueError, TypeError)):
            await client.number_orders.wait_for_state("o1", "COMPLETED", **kwargs)
        assert emu.requests == []

    async def test_cancel_while_sleeping(self, emu: NumbersEmulator, client: NumbersClient) -> None:
        """Cancelling a wait between polls ends it promptly and leaves no task behind."""
        order = await create_au_order(client)
        before = client_tasks()
        waiter = asyncio.create_task(
            client.number_orders.wait_for_state(order.id, "COMPLETED", initial_interval=30)
        )
        await asyncio.sleep(0.2)
        assert len(order_requests(emu)) == 2  # create, then the first poll
        started = time.monotonic()
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert time.monotonic() - started < 0.5
        assert client_tasks() == before
        assert (await client.number_orders.get(order.id)).id == order.id

    async def test_cancel_during_a_request(self, server: ScriptedServer) -> None:
        """Cancelling a wait while its GET is in flight closes that request's connection."""
        arrived = asyncio.Event()
        disconnected = asyncio.Event()

        async def slow(seen: Seen) -> web.StreamResponse:
            arrived.set()
            try:
                await asyncio.Event().wait()  # aiohttp cancels this when the client goes away
            finally:
                disconnected.set()
            return json_response({})

        server.route("GET", "/numberOrders/o1", slow)
        async with server.client() as numbers_client:
            before = client_tasks()
            waiter = asyncio.create_task(numbers_client.number_orders.wait("o1", "COMPLETED"))
            await asyncio.wait_for(arrived.wait(), 5)
            started = time.monotonic()
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert time.monotonic() - started < 0.5
            assert client_tasks() == before
            await asyncio.wait_for(disconnected.wait(), 5)


def open_files(path: Path) -> int:
    """How many of this process's file descriptors point at ``path`` (Linux)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            if os.readlink(fd) == str(path):
                count += 1
        except OSError:
            continue
    return count


def client_tasks() -> set[asyncio.Task[Any]]:
    """Running tasks, leaving out those of in-process aiohttp servers."""
    return {
        task
        for task in asyncio.all_tasks()
        if not task.get_coro().__qualname__.startswith("RequestHandler.")  # type: ignore[union-attr]
    }


class TestModels:
    """Models built from the spec's examples."""

    async def test_spec_example_order(self, server: ScriptedServer) -> None:
        """The spec's Australian order example parses, with id, Decimal prices and UTC times."""
        order_json = example("australianNumberOrder")
        server.route("GET", "/numberOrders/[a-z0-9]+", lambda s: json_response(order_json))
        async with server.client() as numbers_client:
            order = await numbers_client.number_orders.get("03kjzencnckxrn216rr1zzzzzz")
        assert order.id == "03kjzencnckxrn216rr1zzzzzz"
        assert order.state is NumberOrderState.CREATED
        assert order.number_type is NumberType.MOBILE
        [number] = order.order_numbers
        assert number.phone_number == "+61411111112"
        assert number.number_price is not None and number.number_price.setup_price is not None
        assert number.number_price.setup_price.amount == Decimal("1.00")
        assert number.capabilities == [Capability.SMS]
        assert order.sms_configuration is not None
        assert order.sms_configuration.service_plan_id == "1dez6a8300774283a4256aa756a11111"
        assert order.expire_time == datetime(2026, 3, 7, 16, 53, 0, 204187, tzinfo=UTC)

    async def test_spec_example_registration_and_requirements(self, server: ScriptedServer) -> None:
        """The spec's registration and requirements examples parse; free-form parts stay JSON."""
        registration_json = example("australianRegistration")
        requirements = example("lookupAuKycRequirementsRes")
        server.route(
            "GET", "/numberOrders/o1/registration", lambda s: json_response(registration_json)
        )
        server.route(
            "POST", "/numberOrders:lookupNumberRequirements", lambda s: json_response(requirements)
        )
        async with server.client() as numbers_client:
            registration = await numbers_client.number_orders.get_registration("o1")
            parsed = await numbers_client.number_orders.lookup_requirements(
                region_code="au", number_type=NumberType.MOBILE
            )
        assert registration.request_details == registration_json["requestDetails"]
        [attachment] = registration.attachments
        assert attachment.upload_status is UploadStatus.WAITING
        assert attachment.mime_type == "application/rtf"
        assert len(registration.logs) == 2
        assert parsed.fields["schema"] == "/schema/policySchema-v1.json"
        assert parsed.attachments == []
        lookup = server.api_requests()[-1]
        assert lookup.json() == {"regionCode": "AU", "numberType": "MOBILE"}

    async def test_unknown_state_is_kept_as_string(self, server: ScriptedServer) -> None:
        """A state the SDK does not know yet is kept as its string, and wait keeps polling."""
        body = {"idNumberOrder": "o1", "state": "ON_HOLD"}
        server.route("GET", "/numberOrders/o1", lambda s: json_response(body))
        async with server.client() as numbers_client:
            order = await numbers_client.number_orders.get("o1")
            assert order.state == "ON_HOLD"
            with pytest.raises(TimeoutError):
                await numbers_client.number_orders.wait(
                    "o1", "COMPLETED", timeout=0.1, initial_interval=0.02
                )
