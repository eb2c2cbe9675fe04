"""The ``sinch-numbers`` command, run as a real subprocess against an emulator on 127.0.0.1.

The emulator runs in the test's event loop, so every command is started with
``asyncio.create_subprocess_exec`` and awaited while the loop keeps serving it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from sinch_numbers import ActiveNumber, NumbersClient
from sinch_numbers._cli import ACTIVE_COLUMNS, build_parser, render_fields, render_table
from sinch_numbers.testing import NumbersEmulator
from sinch_numbers.testing._orders import number_orders

NOT_HELD = "+12025550134"

#: Each subcommand and the SDK call it makes.
SUBCOMMANDS = {
    "available list": "available_numbers.list",
    "available get": "available_numbers.get",
    "available rent": "available_numbers.rent",
    "available rent-any": "available_numbers.rent_any",
    "active list": "active_numbers.list",
    "active get": "active_numbers.get",
    "active update": "active_numbers.update",
    "active release": "active_numbers.release",
    "active emergency-address get": "active_numbers.get_emergency_address",
    "active emergency-address provision": "active_numbers.provision_emergency_address",
    "active emergency-address deprovision": "active_numbers.deprovision_emergency_address",
    "active emergency-address validate": "active_numbers.validate_emergency_address",
    "regions list": "available_regions.list",
    "callback-config get": "callback_configuration.get",
    "callback-config update": "callback_configuration.update",
    "orders lookup-requirements": "number_orders.lookup_requirements",
    "orders create": "number_orders.create",
    "orders get": "number_orders.get",
    "orders get-registration": "number_orders.get_registration",
    "orders update-registration": "number_orders.update_registration",
    "orders upload-attachment": "number_orders.upload_attachment",
    "orders submit": "number_orders.submit",
    "orders wait": "number_orders.wait_for_state",
}


@dataclass
class Result:
    """What a finished command left behind."""

    code: int
    stdout: str
    stderr: str

    def error_line(self) -> str:
        """The only line on stderr (asserting there is exactly one and no traceback)."""
        lines = self.stderr.splitlines()
        assert len(lines) == 1, self.stderr
        assert "Traceback" not in self.stderr
        return lines[0]


def _environment(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    env.update(extra or {})
    return env


async def run_cli(
    *args: str, env: Mapping[str, str] | None = None, stdin: bytes | None = None
) -> Result:
    """Run ``python -m sinch_numbers ARGS`` to completion."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sinch_numbers",
        *args,
        env=_environment(env),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin), 30)
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


@pytest.fixture
async def emulator() -> AsyncIterator[NumbersEmulator]:
    """An emulator holding 30 named US numbers, with fast provisioning and review."""
    async with NumbersEmulator(seed=3, provisioning_delay=0.05) as emu:
        emu.add_active_numbers(30, display_name="Line {i}")
        number_orders(emu).review_delay = 0.05
        yield emu


@pytest.fixture
def env(emulator: NumbersEmulator) -> dict[str, str]:
    """``SINCH_*`` variables pointing at the emulator."""
    return emulator.environment()


def api_requests(emulator: NumbersEmulator, operation: str) -> list[str]:
    """Query strings of the recorded requests of one operation."""
    return [
        "&".join(f"{k}={v}" for k, v in r.query)
        for r in emulator.requests
        if r.operation == operation
    ]


class TestTables:
    """Readable output on a terminal."""

    async def test_listing_prints_an_aligned_table_and_erases_its_progress(
        self, emulator: NumbersEmulator, env: dict[str, str]
    ) -> None:
        """A listing across pages is one table with aligned columns; --progress draws on
        stderr and clears its line at the end."""
        result = await run_cli("active", "list", "--page-size", "7", "--progress", env=env)
        assert result.code == 0, result.stderr
        header, *rows = result.stdout.splitlines()
        assert header.split()[:2] == ["PHONE", "NUMBER"]
        assert len(rows) == 30
        column = header.index("DISPLAY NAME")
        assert rows[0][column:] == "Line 0"
        assert rows[0][header.index("PRICE") :].startswith("2.00 USD/mo")
        assert len(api_requests(emulator, "NumberService_ListActiveNumbers")) == 5
        assert "fetched" in result.stderr
        # The last thing written over the progress line is blanks, then a carriage return.
        assert result.stderr.endswith("\r")
        assert result.stderr.split("\r")[-2].strip() == ""

    async def test_single_object_prints_key_value_lines(
        self, emulator: NumbersEmulator, env: dict[str, str]
    ) -> None:
        """`active get` shows one attribute per line, money and enums as plain text."""
        phone = emulator.active_phone_numbers()[0]
        result = await run_cli("active", "get", phone, env=env)
        assert result.code == 0, result.stderr
        fields = dict(line.split(None, 1) for line in result.stdout.splitlines())
        assert fields["phone_number"] == phone
        assert fields["display_name"] == "Line 0"
        assert fields["money"] == "2.00 USD"
        assert fields["type"] == "LOCAL"


class TestJsonLines:
    """``--json``: one wire-shaped JSON object per line."""

    async def test_listing_streams_json_lines_and_offers_the_next_page(
        self, emulator: NumbersEmulator, env: dict[str, str]
    ) -> None:
        """--size caps the items, --page-size each request, and the next page token is
        printed on stderr."""
        result = await run_cli(
            "--json", "active", "list", "--page-size", "7", "--size", "20", env=env
        )
        assert result.code == 0, result.stderr
        items = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(items) == 20
        assert items[0]["phoneNumber"] == emulator.active_phone_numbers()[0]
        assert items[0]["displayName"] == "Line 0"
        assert items[0]["money"] == {"currencyCode": "USD", "amount": "2.00"}
        queries = api_requests(emulator, "NumberService_ListActiveNumbers")
        assert [q.split("&")[0] for q in queries] == ["pageSize=7", "pageSize=7", "pageSize=6"]
        assert "--page-token " in result.stderr

    async def test_update_sends_only_the_options_given(
        self, emulator: NumbersEmulator, env: dict[str, str]
    ) -> None:
        """Global options work after the subcommand, and the PATCH carries only the given
        fields."""
        phone = emulator.active_phone_numbers()[1]
        result = await run_cli(
            "active",
            "update",
            phone,
            "--display-name",
            "Sales desk",
            "--callback-url",
            "http://127.0.0.1:9/events",
            "--json",
            env=env,
        )
        assert result.code == 0, result.stderr
        [line] = result.stdout.splitlines()
        assert json.loads(line)["displayName"] == "Sales desk"
        [patch] = [r for r in emulator.requests if r.method == "PATCH"]
        assert patch.json() == {
            "displayName": "Sales desk",
            "callbackUrl": "http://127.0.0.1:9/events",
        }

    async def test_callback_secret_is_masked(
        self, emulator: NumbersEmulator, env: dict[str, str]
    ) -> None:
        """The HMAC secret is never printed unless --show-secret is given."""
        secret = emulator.hmac_secret
        assert secret is not None
        result = await run_cli("--json", "callback-config", "get", env=env)
        assert result.code == 0, result.stderr
        assert secret not in result.stdout
        assert json.loads(result.stdout)["hmacSecret"] == "*" * 8 + secret[-4:]


class TestErrors:
    """One line on stderr and a meaningful exit status, never a traceback."""

    async def test_api_error_exits_1(self, emulator: NumbersEmulator, env: dict[str, str]) -> None:
        """A number the project does not hold gives the API's 404 message and exit 1."""
        result = await run_cli("active", "get", NOT_HELD, env=env)
        assert result.code == 1
        assert result.stdout == ""
        line = result.error_line()
        assert line.startswith("sinch-numbers: error: 404 NOT_FOUND: ")
        assert NOT_HELD in line

    async def test_malformed_number_exits_2_before_any_request(
        self, emulator: NumbersEmulator, env: dict[str, str]
    ) -> None:
        """A number that is not E.164 is refused by the SDK's check; nothing is sent."""
        result = await run_cli("active", "release", "206-555-0100", env=env)
        assert result.code == 2
        assert "E.164" in result.error_line()
        assert [r for r in emulator.requests if r.operation != "oauth2.token"] == []

    async def test_bad_option_exits_2_with_one_line(self) -> None:
        """An argparse error is one line pointing at the subcommand's help."""
        result = await run_cli("active", "list", "--page-size", "ten")
        assert result.code == 2
        line = result.error_line()
        assert "invalid int value: 'ten'" in line
        assert "sinch-numbers active list --help" in line

    async def test_missing_credentials_names_the_variables(self) -> None:
        """Without credentials the message names the variables and suggests --emulator."""
        result = await run_cli("active", "list")
        assert result.code == 2
        line = result.error_line()
        for name in ("SINCH_PROJECT_ID", "SINCH_KEY_ID", "SINCH_KEY_SECRET", "--emulator"):
            assert name in line


class TestEmulatorFlag:
    """``--emulator`` runs a command against an in-process emulator."""

    async def test_runs_without_credentials(self) -> None:
        """Filters reach the in-process emulator, whose project holds US and GB numbers."""
        result = await run_cli("--emulator", "--json", "active", "list", "--region", "GB")
        assert result.code == 0, result.stderr
        items = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(items) == 10
        assert {(i["regionCode"], i["type"]) for i in items} == {("GB", "MOBILE")}


class TestOrders:
    """The number-order flow, command by command."""

    async def test_order_flow(
        self, emulator: NumbersEmulator, env: dict[str, str], tmp_path: Path
    ) -> None:
        """create, update-registration from @file, upload-attachment, submit, then wait until
        the order is COMPLETED."""
        created = await run_cli(
            "orders",
            "create",
            "--region",
            "AU",
            "--type",
            "MOBILE",
            "--quantity",
            "1",
            "--json",
            env=env,
        )
        assert created.code == 0, created.stderr
        order_id = json.loads(created.stdout)["idNumberOrder"]
        details = tmp_path / "details.json"
        details.write_text(
            json.dumps(
                {"businessName": "Acme", "businessAddress": "1 Main St", "contactEmail": "a@b.co"}
            )
        )
        bill = tmp_path / "bill.pdf"
        bill.write_bytes(b"%PDF-1.4 utility bill")
        registered, uploaded = await asyncio.gather(
            run_cli("orders", "update-registration", order_id, "--details", f"@{details}", env=env),
            run_cli(
                "orders",
                "upload-attachment",
                order_id,
                "proof-of-address",
                str(bill),
                "--document-type",
                "Utility bill",
                env=env,
            ),
        )
        assert registered.code == 0, registered.stderr
        assert "request_details.businessName" in registered.stdout
        assert uploaded.code == 0, uploaded.stderr
        assert number_orders(emulator).attachments(order_id)[0].data == bill.read_bytes()
        submitted = await run_cli("orders", "submit", order_id, "--json", env=env)
        assert json.loads(submitted.stdout)["state"] == "IN_REVIEW"
        waited = await run_cli("orders", "wait", order_id, "--interval", "0.05", env=env)
        assert waited.code == 0, waited.stderr
        assert "COMPLETED" in waited.stdout.split()


class TestDemo:
    """``sinch-numbers demo``."""

    async def test_demo_walks_the_journey(self) -> None:
        """The demo exits 0 after every step, including the verified callback signature."""
        result = await run_cli("demo", "--no-color", "--provisioning-delay", "0.2")
        assert result.code == 0, result.stderr
        text = result.stdout
        for step in range(1, 7):
            assert f"Step {step}." in text
        for phrase in ("Search", "Rent", "pages", "display name", "verified", "Release", "Done"):
            assert phrase in text
        assert "\x1b[" not in text
        assert result.stderr == ""


class TestEmulatorCommand:
    """``sinch-numbers emulator``: a standalone emulator."""

    async def test_prints_connection_info_and_stops_on_sigterm(self) -> None:
        """It prints the URLs, credentials and export lines, serves them, and exits 0 on
        SIGTERM."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sinch_numbers",
            "emulator",
            "--port",
            "0",
            "--active-numbers",
            "5",
            env=_environment(None),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        try:
            lines: list[str] = []
            while not lines or lines[-1].strip().startswith("export SINCH_AUTH_URL") is False:
                line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
                assert line, "the emulator exited early"
                lines.append(line)
            printed = "".join(lines)
            exports = dict(
                line.strip().removeprefix("export ").split("=", 1)
                for line in lines
                if line.strip().startswith("export ")
            )
            assert exports["SINCH_NUMBERS_URL"] in printed.split("API base URL :")[1]
            assert "emulator-key-secret" in printed
            async with NumbersClient.from_env(exports) as client:
                numbers = await client.active_numbers.list().collect()
            assert len(numbers) == 5
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 10)
        assert proc.returncode == 0
        assert "stopped" in err.decode()


class TestInProcess:
    """Pieces of the command checked without a subprocess."""

    def test_every_sdk_call_has_a_subcommand(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Each public method of each service of the client is reachable from the command."""
        client = NumbersClient("project", "key-id", "key-secret")
        methods: set[str] = set()
        for attribute, service in vars(client).items():
            if not type(service).__name__.endswith("Service"):
                continue
            for name, function in vars(type(service)).items():
                if name.startswith("_") or not callable(function):
                    continue
                if name == function.__name__:  # not an alias such as number_orders.wait
                    methods.add(f"{attribute}.{name}")
        assert methods == set(SUBCOMMANDS.values())
        parser = build_parser()
        for command in SUBCOMMANDS:
            with pytest.raises(SystemExit) as exited:
                parser.parse_args([*command.split(), "--help"])
            assert exited.value.code == 0
            assert f"usage: sinch-numbers {command} " in capsys.readouterr().out

    def test_global_options_before_or_after_the_subcommand(self) -> None:
        """--json and --timeout are taken on either side of the subcommand."""
        parser = build_parser()
        before = parser.parse_args(["--json", "--timeout", "5", "active", "get", NOT_HELD])
        after = parser.parse_args(["active", "get", NOT_HELD, "--json", "--timeout", "5"])
        neither = parser.parse_args(["active", "get", NOT_HELD])
        assert (before.json, before.timeout) == (after.json, after.timeout) == (True, 5.0)
        assert (neither.json, neither.timeout) == (False, None)

    def test_control_characters_are_escaped(self) -> None:
        """A hostile display name cannot send escape sequences to the terminal."""
        number = ActiveNumber(phone_number=NOT_HELD, display_name="evil\x1b[2J\x07")
        text = "\n".join(render_table(ACTIVE_COLUMNS, [number]) + render_fields(number))
        assert "\x1b" not in text
        assert "\x07" not in text
        assert "evil\\x1b[2J" in text

    def test_console_script_is_installed(self) -> None:
        """The `sinch-numbers` script next to the interpreter runs the same command."""
        script = Path(sys.executable).with_name("sinch-numbers")
        if not script.exists():
            pytest.skip("the package is not installed in this interpreter's environment")
        assert "sinch_numbers._cli" in script.read_text()


class TestBadStandaloneOptions:
    """``demo`` and ``emulator`` options that are out of range: one line naming the option,
    exit 2, at once."""

    @pytest.mark.parametrize(
        ("args", "named", "not_named"),
        [
            (("demo", "--numbers", "-1"), "--numbers", ("--page-size", "--provisioning-delay")),
            (("demo", "--page-size", "0"), "--page-size", ("--numbers", "--provisioning-delay")),
            (("demo", "--provisioning-delay", "nan"), "--provisioning-delay", ("--numbers",)),
            (("emulator", "--port", "99999"), "--port", ("OverflowError", "unexpected")),
            (("emulator", "--port", "0", "--latency", "nan"), "--latency", ()),
            (("emulator", "--port", "0", "--provisioning-delay", "-1"), "--provisioning-delay", ()),
        ],
    )
    async def test_names_the_option(
        self, args: tuple[str, ...], named: str, not_named: tuple[str, ...]
    ) -> None:
        """The message names the option that is wrong, and only that one."""
        result = await run_cli(*args)
        assert result.code == 2, result.stderr
        line = result.error_line()
        assert named in line
        assert not [other for other in not_named if other in line]

    async def test_too_many_emulator_numbers_fails_fast(self) -> None:
        """More --active-numbers than the emulator can make is refused in well under the
        seconds it would take to build them."""
        started = time.monotonic()
        result = await run_cli("emulator", "--port", "0", "--active-numbers", "100000000")
        assert time.monotonic() - started < 10
        assert result.code == 2
        assert "at most" in result.error_line()


class TestSecondInterrupt:
    """A second Ctrl-C while the command is already exiting is ignored."""

    def test_no_traceback_after_interrupted(self) -> None:
        """Once ``main`` reported the interruption, another SIGINT neither prints a traceback
        nor changes the exit status."""
        script = (
            "import os, signal, sys, time\n"
            "from sinch_numbers import _cli\n"
            "def interrupted(*args):\n"
            "    raise KeyboardInterrupt\n"
            "_cli._guarded = interrupted\n"
            "code = _cli.main(['--emulator', 'regions', 'list'])\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "time.sleep(0.2)\n"
            "sys.exit(code)\n"
        )
        proc = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script],
            env=_environment(None),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert proc.returncode == 130
        assert proc.stderr.splitlines()[-1] == "sinch-numbers: error: interrupted"
        assert "Traceback" not in proc.stderr
