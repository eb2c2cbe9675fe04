"""Runs the benchmark suite and reports it.

Each scenario gets its own server process (benchmarks/server.py) and every client run is its own
process; clients take turns in a rotating order over the rounds so drift on a noisy machine hits
them alike. Reported: per-client medians and, per round, the ratio to the floor client of that
same round (median of those paired ratios). Writes benchmarks/.results/latest.json and, unless
--quick, benchmarks/RESULTS.md and benchmarks/results.svg.

    python benchmarks/run.py                      # full suite, a few minutes on 2 cores
    python benchmarks/run.py --quick --clients floor
    python benchmarks/run.py --scenarios S1,S3 --rounds 5 --clients floor,sdk
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import benchlib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS_DIR = HERE / ".results"

CLIENTS = ("floor", "official", "sdk", "sdk-parallel")
SCRIPTS = {
    "floor": "client_floor.py",
    "official": "client_official.py",
    "sdk": "client_sdk.py",
    "sdk-parallel": "client_sdk.py",
}
PARALLEL_STREAMS = 10

# What `python -c` imports in S5; the attribute access makes a broken package fail loudly
# instead of timing an empty namespace package.
IMPORTS = {
    "floor": "import aiohttp",
    "sdk": "import aiohttp, sinch_numbers; sinch_numbers.NumbersClient",
    "official": "import sinch; sinch.SinchClient",
}

X = "\N{MULTIPLICATION SIGN}"  # spelled out: ruff flags the literal sign as ambiguous

Metric = Literal["wall_s", "rss_growth_kib", "import_ms"]


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    mode: Literal["list", "get", "import"]
    metric: Metric
    total: int = 0
    page_size: int = 0
    latency_ms: float = 0.0
    gets: int = 0
    concurrency: int = 100
    splits: bool = False  # server pre-builds last-digit streams; the parallel variant runs here
    rounds: int = 3
    min_rounds: int = 0  # a floor under --rounds, for scenarios too short to measure in few

    @property
    def description(self) -> str:
        if self.mode == "import":
            return (
                "`import aiohttp, sinch_numbers` against `import aiohttp`, each timed inside "
                "a fresh `python -c` process"
            )
        if self.mode == "get":
            return f"{self.gets:,} get calls, {self.concurrency} in flight"
        latency = f"{self.latency_ms:g} ms per request" if self.latency_ms else "no added latency"
        listing = f"{self.total:,} numbers, page size {self.page_size:,}, {latency}"
        if self.metric == "rss_growth_kib":
            return f"peak RSS growth while iterating {listing}, keeping none"
        return f"list {listing}"

    def clients(self, selected: Sequence[str]) -> list[str]:
        if self.mode == "import":
            return [c for c in selected if c in IMPORTS]
        return [c for c in selected if c != "sdk-parallel" or self.splits]


FULL = (
    Scenario("S1", "throughput", "list", "wall_s", total=100_000, page_size=1000),
    Scenario(
        "S2",
        "latency-bound",
        "list",
        "wall_s",
        total=20_000,
        page_size=500,
        latency_ms=25.0,
        splits=True,
    ),
    # Runs of well under a second vary most on a shared machine, and cost little to repeat.
    Scenario(
        "S3",
        "concurrency",
        "get",
        "wall_s",
        total=2_000,
        gets=2_000,
        concurrency=100,
        rounds=9,
        min_rounds=9,
    ),
    Scenario("S4", "memory", "list", "rss_growth_kib", total=300_000, page_size=1000),
    Scenario("S5", "start-up", "import", "import_ms", rounds=10),
)
QUICK_SIZES = {
    "S1": {"total": 5_000, "page_size": 500},
    "S2": {"total": 2_000, "page_size": 200},
    "S3": {"total": 300, "gets": 300, "concurrency": 50},
    "S4": {"total": 20_000},
}

# Ratio to the floor (S5: added milliseconds), from the issue.
TARGETS: dict[tuple[str, str], float] = {
    ("S1", "sdk"): 2.0,
    ("S2", "sdk"): 1.0,
    ("S2", "sdk-parallel"): 0.3,
    ("S3", "sdk"): 1.3,
    ("S4", "sdk"): 1.5,
    ("S5", "sdk"): 80.0,
}
# The official SDK as measured elsewhere (issue text), for comparison with this machine.
OFFICIAL_REFERENCE = {"S1": f"~10{X}", "S2": f"2.1{X}", "S3": f"10{X}", "S4": f"2.2{X}"}


@dataclass
class Run:
    scenario: str
    client: str
    round: int
    status: str
    value: float | None = None
    wall_s: float | None = None
    rss_growth_kib: int | None = None
    items: int = 0
    checksum: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Summary:
    scenario: str
    client: str
    runs: int
    ok_runs: int
    median: float | None
    # Paired with the floor of the same round: a ratio, or for S5 a difference in ms.
    paired: list[float]
    median_paired: float | None
    median_wall_s: float | None
    target: float | None
    verdict: str | None
    error: str | None
    notes: list[str]


# --- running ------------------------------------------------------------------------------------


def child_env() -> tuple[dict[str, str], str]:
    """Environment for child processes; uses the source tree when sinch_numbers isn't installed."""
    env = dict(os.environ)
    if importlib.util.find_spec("sinch_numbers") is not None:
        return env, "installed package"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env, f"source tree ({ROOT})"


class Server:
    def __init__(self, scenario: Scenario, env: dict[str, str]) -> None:
        self.log_path = RESULTS_DIR / f"server-{scenario.key}.log"
        page_sizes = str(scenario.page_size) if scenario.page_size else ""
        cmd = [
            sys.executable,
            str(HERE / "server.py"),
            "--watch-stdin",
            "--total",
            str(scenario.total),
            "--page-sizes",
            page_sizes,
            "--latency-ms",
            str(scenario.latency_ms),
        ]
        if scenario.splits:
            cmd.append("--splits")
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            cwd=RESULTS_DIR,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"server did not start; see {self.log_path}")
        self.port = int(line)
        self.base_url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # the server's stdin watcher exits on EOF
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self._log.close()


def run_client(
    scenario: Scenario, client: str, server: Server, rnd: int, env: dict[str, str], timeout: float
) -> Run:
    cmd = [
        sys.executable,
        str(HERE / SCRIPTS[client]),
        "--label",
        client,
        "--scenario",
        scenario.key,
        "--mode",
        scenario.mode,
        "--base-url",
        server.base_url,
        "--auth-url",
        f"{server.base_url}/oauth2/token",
        "--total",
        str(scenario.total),
        "--page-size",
        str(scenario.page_size),
        "--gets",
        str(scenario.gets),
        "--concurrency",
        str(scenario.concurrency),
    ]
    if client == "sdk-parallel":
        cmd += ["--parallel", str(PARALLEL_STREAMS)]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=RESULTS_DIR, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return Run(scenario.key, client, rnd, "error", error=f"timed out after {timeout:.0f} s")
    lines = proc.stdout.strip().splitlines()
    try:
        data: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = proc.stderr.strip().splitlines()[-3:]
        return Run(
            scenario.key,
            client,
            rnd,
            "error",
            error=f"exit {proc.returncode}, no result: {' | '.join(tail)}",
        )
    run = Run(
        scenario.key,
        client,
        rnd,
        data["status"],
        wall_s=data["wall_s"],
        rss_growth_kib=data["rss_growth_kib"],
        items=data["items"],
        checksum=data["checksum"],
        error=data["error"],
        notes=data["notes"],
    )
    run.value = float(data[scenario.metric]) if data[scenario.metric] is not None else None
    return run


def expected(scenario: Scenario) -> tuple[int, int]:
    if scenario.mode == "get":
        indices = [i % scenario.total for i in range(scenario.gets)]
    else:
        indices = list(range(scenario.total))
    return len(indices), benchlib.expected_checksum(indices)


def rotate(clients: list[str], rnd: int) -> list[str]:
    shift = rnd % len(clients)
    return clients[shift:] + clients[:shift]


def run_list_scenario(
    scenario: Scenario, clients: list[str], rounds: int, env: dict[str, str], timeout: float
) -> list[Run]:
    want_items, want_checksum = expected(scenario)
    runs: list[Run] = []
    server = Server(scenario, env)
    try:
        for rnd in range(rounds):
            for client in rotate(clients, rnd):
                run = run_client(scenario, client, server, rnd, env, timeout)
                if run.status == "ok" and (run.items, run.checksum) != (want_items, want_checksum):
                    run.status = "mismatch"
                    run.error = (
                        f"items/checksum {run.items}/{run.checksum}, "
                        f"expected {want_items}/{want_checksum}"
                    )
                runs.append(run)
                print(f"  {scenario.key} round {rnd + 1}/{rounds} {client:<13} {describe(run)}")
    finally:
        server.stop()
    return runs


def time_command(code: str, env: dict[str, str], extra: Sequence[str] = ()) -> tuple[str, str]:
    proc = subprocess.run(
        [sys.executable, *extra, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=RESULTS_DIR,
        timeout=120,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "?")
    return proc.stdout, proc.stderr


def timed_import(statement: str, env: dict[str, str]) -> tuple[float, float]:
    """(import ms measured inside the child, child process wall ms).

    The in-process clock leaves out interpreter start-up and exit, which every line shares and
    which only add noise to the difference."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    started = time.perf_counter()
    stdout, _ = time_command(code, env)
    wall_ms = (time.perf_counter() - started) * 1000
    return float(stdout.split()[-1]) * 1000, wall_ms


def run_import_scenario(
    scenario: Scenario, clients: list[str], rounds: int, env: dict[str, str]
) -> list[Run]:
    runs: list[Run] = []
    broken: dict[str, str] = {}
    for client in clients:  # untimed warm-up: writes .pyc files, warms the page cache
        try:
            timed_import(IMPORTS[client], env)
        except RuntimeError as exc:
            broken[client] = str(exc)
    for rnd in range(rounds):
        for client in rotate(clients, rnd):
            if client in broken:
                run = Run(scenario.key, client, rnd, "error", error=broken[client])
            else:
                import_ms, wall_ms = timed_import(IMPORTS[client], env)
                run = Run(scenario.key, client, rnd, "ok", value=import_ms, wall_s=wall_ms / 1000)
            runs.append(run)
        print(
            f"  {scenario.key} round {rnd + 1}/{rounds} "
            + "  ".join(f"{r.client} {describe(r)}" for r in runs if r.round == rnd)
        )
    return runs


def import_breakdown(env: dict[str, str], top: int = 10) -> list[tuple[str, float]]:
    """Where `import sinch_numbers` spends its time once aiohttp is loaded: the package's
    cumulative time, then the modules it loads ranked by their own (self) time."""
    try:
        _, stderr = time_command(IMPORTS["sdk"], env, ("-X", "importtime"))
    except RuntimeError:
        return []
    inside = False
    total: list[tuple[str, float]] = []
    entries: list[tuple[str, float]] = []
    # Lines read "import time: self | cumulative | <2 spaces per depth>name", children first,
    # so sinch_numbers' subtree is what comes between the aiohttp and sinch_numbers lines.
    for line in stderr.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        self_us = parts[0].rsplit(":", 1)[-1].strip()
        label, name = parts[2].rstrip(), parts[2].strip()
        top_level = label.startswith(" ") and not label.startswith("  ")
        if top_level and name == "aiohttp":
            inside = True
        elif inside and top_level and name == "sinch_numbers":
            total = [("sinch_numbers, cumulative", int(parts[1]) / 1000)]
            entries.append((f"{name} (self)", int(self_us) / 1000))
            break
        elif inside and self_us.isdigit():
            entries.append((f"{name} (self)", int(self_us) / 1000))
    entries.sort(key=lambda e: -e[1])
    return total + entries[:top]


# --- summarising --------------------------------------------------------------------------------


def describe(run: Run) -> str:
    if run.status != "ok":
        return f"{run.status}: {run.error}"
    if run.scenario == "S5":
        return f"{run.value:.0f} ms"
    wall = f"{run.wall_s:.2f} s" if run.wall_s is not None else "?"
    rss = f"{(run.rss_growth_kib or 0) / 1024:.1f} MiB"
    return f"{wall}, +{rss} RSS"


def summarise(scenario: Scenario, clients: list[str], runs: list[Run]) -> list[Summary]:
    by_round: dict[int, dict[str, Run]] = {}
    for run in runs:
        by_round.setdefault(run.round, {})[run.client] = run
    summaries = []
    for client in clients:
        mine = [r for r in runs if r.client == client]
        ok = [r for r in mine if r.status == "ok" and r.value is not None]
        paired: list[float] = []
        for rnd_runs in by_round.values():
            floor, this = rnd_runs.get("floor"), rnd_runs.get(client)
            if client == "floor" or floor is None or this is None:
                continue
            if floor.status != "ok" or this.status != "ok":
                continue
            if floor.value is None or this.value is None or floor.value <= 0:
                continue
            if scenario.metric == "import_ms":
                paired.append(this.value - floor.value)
            else:
                paired.append(this.value / floor.value)
        median_paired = statistics.median(paired) if paired else None
        target = TARGETS.get((scenario.key, client))
        verdict = None
        if target is not None:
            verdict = (
                "n/a" if median_paired is None else ("met" if median_paired <= target else "missed")
            )
        failed = [r for r in mine if r.status != "ok"]
        walls = [r.wall_s for r in ok if r.wall_s is not None]
        notes = sorted({n for r in mine for n in r.notes})
        summaries.append(
            Summary(
                scenario=scenario.key,
                client=client,
                runs=len(mine),
                ok_runs=len(ok),
                median=statistics.median([r.value for r in ok if r.value is not None])
                if ok
                else None,
                paired=paired,
                median_paired=median_paired,
                median_wall_s=statistics.median(walls) if walls else None,
                target=target,
                verdict=verdict,
                error=f"{failed[0].status}: {failed[0].error}" if failed else None,
                notes=notes,
            )
        )
    return summaries


def fmt_value(metric: Metric, value: float | None) -> str:
    if value is None:
        return "-"
    if metric == "wall_s":
        return f"{value:.2f} s"
    if metric == "rss_growth_kib":
        return f"{value / 1024:.1f} MiB"
    return f"{value:.0f} ms"


def fmt_paired(metric: Metric, value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:+.0f} ms" if metric == "import_ms" else f"{value:.2f}{X}"


def fmt_target(metric: Metric, target: float | None) -> str:
    if target is None:
        return ""
    return f"≤ +{target:.0f} ms" if metric == "import_ms" else f"≤ {target:.1f}{X}"


def cell(scenario: Scenario, summary: Summary | None) -> str:
    if summary is None:
        return "not run"
    if summary.median is None:
        return (summary.error or "no result").split(":")[0]
    text = fmt_value(scenario.metric, summary.median)
    paired = fmt_paired(scenario.metric, summary.median_paired)
    return f"{text} ({paired})" if paired else text


def table_rows(
    scenarios: Sequence[Scenario], summaries: dict[str, list[Summary]]
) -> list[list[str]]:
    rows = []
    for scenario in scenarios:
        found = {s.client: s for s in summaries.get(scenario.key, [])}
        targets = []
        for client in ("sdk", "sdk-parallel"):
            summary = found.get(client)
            target = TARGETS.get((scenario.key, client))
            if target is None:
                continue
            label = "" if client == "sdk" else "parallel "
            verdict = f" {summary.verdict}" if summary and summary.verdict else ""
            targets.append(f"{label}{fmt_target(scenario.metric, target)}{verdict}")
        rows.append(
            [
                f"{scenario.key} {scenario.title}",
                cell(scenario, found.get("floor")),
                cell(scenario, found.get("official")),
                cell(scenario, found.get("sdk")),
                cell(scenario, found.get("sdk-parallel")) if scenario.splits else "",
                "; ".join(targets),
                OFFICIAL_REFERENCE.get(scenario.key, ""),
            ]
        )
    return rows


HEADER = [
    "scenario",
    "floor",
    "official",
    "sdk",
    "sdk parallel=10",
    "target (sdk)",
    "official elsewhere",
]


def print_table(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    for row in [HEADER, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


# --- machine ------------------------------------------------------------------------------------


def _read(path: str, key: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _memory() -> str:
    total = _read("/proc/meminfo", "MemTotal").split()
    return f"{int(total[0]) / 1024**2:.1f} GiB" if total and total[0].isdigit() else "unknown"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine(sdk_source: str) -> dict[str, Any]:
    try:
        uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip()
    except OSError:
        uname = " ".join(platform.uname())
    try:
        commit = (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
            ).stdout.strip()
            or "no commit"
        )
    except OSError:
        commit = "unknown"
    packages = {
        name: _version(name)
        for name in (
            "aiohttp",
            "orjson",
            "yarl",
            "multidict",
            "attrs",
            "cattrs",
            "sinch_numbers",
            "sinch",
            "pydantic",
            "requests",
        )
    }
    return {
        "uname": uname,
        "cpu": _read("/proc/cpuinfo", "model name"),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory": _memory(),
        "loadavg_at_start": os.getloadavg(),
        "python": sys.version.replace("\n", " "),
        "packages": packages,
        "sinch_numbers_from": sdk_source,
        "git_commit": commit,
    }


def command_line() -> str:
    args = sys.argv[1:]
    if os.environ.get("NOX_CURRENT_SESSION"):
        return "nox -s bench" + (" -- " + shlex.join(args) if args else "")
    return shlex.join(["python", "benchmarks/run.py", *args])


# --- report -------------------------------------------------------------------------------------


_COLOURS = {"floor": "#8c8c8c", "official": "#e69f00", "sdk": "#0072b2", "sdk-parallel": "#009e73"}


def svg_chart(scenarios: Sequence[Scenario], summaries: dict[str, list[Summary]]) -> str:
    """Hand-written SVG: ratio to the floor per scenario (log scale) and S5 import times."""
    width, height = 960, 400
    left, top, plot_w, plot_h = 60, 50, 600, 270
    bottom = top + plot_h
    ratio_scenarios = [s for s in scenarios if s.mode != "import"]
    import_scenario = next((s for s in scenarios if s.mode == "import"), None)
    values = [
        s.median_paired
        for key in summaries
        for s in summaries[key]
        if s.median_paired is not None and key != "S5"
    ] + [t for (k, _), t in TARGETS.items() if k != "S5"]
    lo = 2 ** math.floor(math.log2(min([0.25, *values]) / 1.2))
    hi = 2 ** math.ceil(math.log2(max([16.0, *values]) * 1.2))

    def y(ratio: float) -> float:
        span = math.log2(hi) - math.log2(lo)
        return top + plot_h * (1 - (math.log2(ratio) - math.log2(lo)) / span)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="24" font-size="14" font-weight="bold">'
        "Ratio to the floor (aiohttp + orjson), median of paired rounds; lower is better</text>",
    ]
    tick = lo
    while tick <= hi:  # grid at powers of two; the floor's 1x line drawn darker
        ty = y(tick)
        colour = "#444" if tick == 1 else "#ddd"
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{colour}"/>'
        )
        out.append(f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">{tick:g}{X}</text>')
        tick *= 2
    group_w = plot_w / max(len(ratio_scenarios), 1)
    bar_w = min(40.0, (group_w - 24) / 3)
    for gi, scenario in enumerate(ratio_scenarios):
        found = {s.client: s for s in summaries.get(scenario.key, [])}
        bars = ["official", "sdk", "sdk-parallel"] if scenario.splits else ["official", "sdk"]
        gx = left + gi * group_w + (group_w - bar_w * len(bars)) / 2
        for bi, client in enumerate(bars):
            x, mid = gx + bi * bar_w, gx + bi * bar_w + bar_w / 2
            summary = found.get(client)
            if summary is not None and summary.median_paired is not None:
                ratio = summary.median_paired
                out.append(
                    f'<rect x="{x + 3:.1f}" y="{y(ratio):.1f}" width="{bar_w - 6:.1f}" '
                    f'height="{bottom - y(ratio):.1f}" fill="{_COLOURS[client]}"/>'
                )
                out.append(
                    f'<text x="{mid:.1f}" y="{y(ratio) - 5:.1f}" text-anchor="middle" '
                    f'font-size="11">{ratio:.2g}{X}</text>'
                )
            else:
                reason = (summary.error or "n/a").split(":")[0] if summary else "not run"
                out.append(
                    f'<text x="{mid + 4:.1f}" y="{bottom - 6}" font-size="11" fill="#666" '
                    f'transform="rotate(-90 {mid + 4:.1f} {bottom - 6})">{reason}</text>'
                )
            target = TARGETS.get((scenario.key, client))
            if target is not None:
                out.append(
                    f'<line x1="{x:.1f}" x2="{x + bar_w:.1f}" y1="{y(target):.1f}" '
                    f'y2="{y(target):.1f}" stroke="#d00" stroke-width="2" '
                    'stroke-dasharray="4 2"/>'
                )
        out.append(
            f'<text x="{left + gi * group_w + group_w / 2:.1f}" y="{bottom + 18}" '
            f'text-anchor="middle">{scenario.key} {scenario.title}</text>'
        )
    legend = [(c, _COLOURS[c]) for c in ("official", "sdk", "sdk-parallel")]
    lx = left
    for label, colour in legend:
        out.append(
            f'<rect x="{lx}" y="{height - 32}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="{height - 22}">{label}</text>'
        )
        lx += 110
    out.append(
        f'<line x1="{lx}" x2="{lx + 22}" y1="{height - 26}" y2="{height - 26}" stroke="#d00" '
        f'stroke-width="2" stroke-dasharray="4 2"/><text x="{lx + 28}" y="{height - 22}">'
        "target (issue)</text>"
    )
    lx += 130
    out.append(
        f'<line x1="{lx}" x2="{lx + 22}" y1="{height - 26}" y2="{height - 26}" stroke="#444"/>'
        f'<text x="{lx + 28}" y="{height - 22}">floor = 1{X}</text>'
    )

    if import_scenario is not None:
        found = {s.client: s for s in summaries.get(import_scenario.key, [])}
        px = left + plot_w + 50
        pw = width - px - 70  # room for the value printed after each bar
        out.append(f'<text x="{px}" y="{top - 6}" font-weight="bold">S5 import time</text>')
        rows = [("floor", "aiohttp"), ("sdk", "aiohttp + sinch_numbers"), ("official", "sinch")]
        floor = found.get("floor")
        limit = None
        if floor is not None and floor.median is not None:
            limit = floor.median + TARGETS[("S5", "sdk")]
        known = [s.median for s in found.values() if s.median is not None]
        scale_max = max([*known, limit or 0.0, 1.0])
        for ri, (client, label) in enumerate(rows):
            ry = top + 20 + ri * 60
            out.append(f'<text x="{px}" y="{ry}">{label}</text>')
            summary = found.get(client)
            if summary is None or summary.median is None:
                reason = (summary.error or "n/a").split(":")[0] if summary else "not run"
                out.append(f'<text x="{px}" y="{ry + 22}" fill="#666">{reason}</text>')
                continue
            bw = pw * summary.median / scale_max
            out.append(
                f'<rect x="{px}" y="{ry + 8}" width="{bw:.1f}" height="20" '
                f'fill="{_COLOURS[client]}"/>'
                f'<text x="{px + bw + 4:.1f}" y="{ry + 23}">{summary.median:.0f} ms</text>'
            )
        if limit is not None:  # one dashed mark per bar row, clear of the row labels
            lx2 = px + pw * limit / scale_max
            for ri in range(len(rows)):
                ry = top + 20 + ri * 60
                out.append(
                    f'<line x1="{lx2:.1f}" x2="{lx2:.1f}" y1="{ry + 4}" y2="{ry + 32}" '
                    'stroke="#d00" stroke-width="2" stroke-dasharray="4 2"/>'
                )
            out.append(
                f'<text x="{lx2:.1f}" y="{top + 20 + len(rows) * 60}" text-anchor="middle" '
                'fill="#d00" font-size="11">aiohttp + 80 ms</text>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _loads(values: Sequence[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


NOTES_HEADING = "## Reading these results"


def hand_written_notes(previous: str) -> str:
    """The hand-written section of the previous RESULTS.md ("" if none), kept across runs."""
    start = previous.find(NOTES_HEADING)
    if start < 0:
        return ""
    end = previous.find("\n## ", start + len(NOTES_HEADING))
    return previous[start : end if end >= 0 else len(previous)].rstrip() + "\n"


def with_notes(generated: str, notes: str) -> str:
    """``generated`` with ``notes`` put back just before its Method section."""
    at = generated.find("\n## Method")
    if not notes or at < 0:
        return generated
    return generated[: at + 1] + notes + "\n" + generated[at + 1 :]


def markdown(
    scenarios: Sequence[Scenario],
    summaries: dict[str, list[Summary]],
    info: dict[str, Any],
    rounds: dict[str, int],
    breakdown: list[tuple[str, float]],
    elapsed_s: float,
) -> str:
    rows = table_rows(scenarios, summaries)
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `benchmarks/run.py` on {info['date']} in {elapsed_s:.0f} s.",
        "",
        f"Command: `{info['command']}`",
        "",
        "Each cell: median over rounds, then in brackets the median of the per-round ratios to "
        "the floor run of the same round (S5: the median per-round difference in ms). "
        "Lower is better.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "---|" * len(HEADER),
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        "![ratios to the floor](results.svg)",
        "",
        "## Scenarios",
        "",
    ]
    for scenario in scenarios:
        lines.append(
            f"- **{scenario.key} {scenario.title}** ({rounds.get(scenario.key, 0)} rounds): "
            f"{scenario.description}."
        )
    lines += [
        "",
        "## Per client",
        "",
        "| scenario | client | ok runs | median | median wall | paired per round |",
        "|---|---|---|---|---|---|",
    ]
    for scenario in scenarios:
        for s in summaries.get(scenario.key, []):
            paired = ", ".join(
                f"{p:+.0f}" if scenario.metric == "import_ms" else f"{p:.2f}" for p in s.paired
            )
            wall = f"{s.median_wall_s:.2f} s" if s.median_wall_s is not None else "-"
            median = fmt_value(scenario.metric, s.median)
            if s.error:
                median += f" ({s.error})"
            lines.append(
                f"| {scenario.key} | {s.client} | {s.ok_runs}/{s.runs} | {median} | {wall} "
                f"| {paired} |"
            )
    notes = sorted({n for key in summaries for s in summaries[key] for n in s.notes})
    if breakdown:
        lines += [
            "",
            "## Where `import sinch_numbers` spends its time (one `-X importtime` run)",
            "",
        ]
        lines += [f"- {name}: {ms:.1f} ms" for name, ms in breakdown]
    lines += [
        "",
        "## Method",
        "",
        "- `benchmarks/server.py` (own process, 127.0.0.1) serves pages serialised at start-up: "
        "every ActiveNumber carries every field of the spec's ActiveNumberResponse "
        '(about 960 bytes of JSON each), with `pageSize`, `pageToken`, `nextPageToken` ("" on '
        "the last page), `totalSize`, and the `numberPattern` filter (the parallel variant "
        "lists ten last-digit streams with `searchPattern=END`). OAuth token endpoint included; "
        "every client fetches a token and sends it as a Bearer header.",
        "- Each client run is a fresh process; the clients take turns in a rotating order, "
        "round after round. Wall time covers creating the client, fetching the token and the "
        "work; imports are excluded (S5 covers them). Every client reads the phone number and "
        "money amount of every item; item counts and a checksum of those fields are checked "
        "against the data set.",
        "- Memory: VmHWM (peak RSS) at the end minus VmRSS at the start of the work, after "
        "resetting the peak through /proc/self/clear_refs.",
        "- S5: each import line runs in a fresh `python -c` process that times the import "
        "statement itself with `time.perf_counter()` (interpreter start-up is common to all and "
        "left out); one untimed warm-up each first, so .pyc files exist.",
        "- floor: aiohttp + orjson, dicts, sequential pages (no prefetch), each page let go "
        "before the next is fetched; S3 `asyncio.gather` under a semaphore of 100.",
        "- official: `sinch` (sync) with `SinchClient(key_id, key_secret, project_id)` and "
        "`configuration.numbers_origin` / `configuration.auth_origin` set to the server; "
        "`numbers.list(page_size=…).iterator()`; S3 runs `numbers.get` on 100 threads sharing "
        "one client, with requests' connection pool raised to 100.",
        "- sdk: `sinch_numbers` public API only: `NumbersClient(..., base_url=, auth_url=)`, "
        "`async for` over `active_numbers.list(page_size=…)`; sdk parallel=10 adds "
        "`parallel=10`; S3 `active_numbers.get` under a semaphore of 100.",
    ]
    if notes:
        lines += ["", "Client notes: " + "; ".join(notes) + "."]
    lines += ["", "## Machine", ""]
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    lines += [
        f"- `uname -a`: `{info['uname']}`",
        f"- CPU: {info['cpu']}; {info['cpus']} cores ({info['cpus_usable']} usable); "
        f"memory {info['memory']}",
        f"- load average (1, 5, 15 min) at start: {_loads(info['loadavg_at_start'])}, at end: "
        f"{_loads(info['loadavg_at_end'])} (a shared machine: compare ratios, not absolute "
        "times)",
        f"- Python {info['python']}",
        f"- packages: {packages}",
        f"- sinch_numbers from: {info['sinch_numbers_from']}; git commit {info['git_commit']}",
        "",
    ]
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run the sinch_numbers benchmarks.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--scenarios", default="S1,S2,S3,S4,S5", help="e.g. S1,S3")
    parser.add_argument("--clients", default=",".join(CLIENTS), help=f"of {', '.join(CLIENTS)}")
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="rounds for S1-S4 (default 3; S3 at least 9; quick 2)",
    )
    parser.add_argument(
        "--import-rounds", type=int, default=None, help="S5 rounds (default 10; quick 5)"
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds per client run")
    parser.add_argument(
        "--write",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write RESULTS.md and results.svg (default: yes, except with --quick)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wanted = [s.strip().upper() for s in args.scenarios.split(",") if s.strip()]
    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    unknown = [c for c in clients if c not in CLIENTS] + [
        s for s in wanted if s not in {sc.key for sc in FULL}
    ]
    if unknown:
        print(f"unknown client or scenario: {', '.join(unknown)}", file=sys.stderr)
        return 2
    if "floor" not in clients:
        print("note: without the floor client there are no ratios", file=sys.stderr)
    scenarios = [s for s in FULL if s.key in wanted]
    if args.quick:
        scenarios = [replace(s, **QUICK_SIZES.get(s.key, {})) for s in scenarios]  # type: ignore[arg-type]
    timeout = args.timeout or (60.0 if args.quick else 600.0)
    write = (not args.quick) if args.write is None else args.write

    RESULTS_DIR.mkdir(exist_ok=True)
    env, sdk_source = child_env()
    info = machine(sdk_source)
    info["date"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    info["command"] = command_line()
    started = time.perf_counter()

    all_runs: list[Run] = []
    summaries: dict[str, list[Summary]] = {}
    used_rounds: dict[str, int] = {}
    breakdown: list[tuple[str, float]] = []
    for scenario in scenarios:
        these = scenario.clients(clients)
        if not these:
            continue
        print(f"{scenario.key} {scenario.title}: {scenario.description}", flush=True)
        if scenario.mode == "import":
            rounds = args.import_rounds or (5 if args.quick else scenario.rounds)
            runs = run_import_scenario(scenario, these, rounds, env)
            if "sdk" in these:
                breakdown = import_breakdown(env)
        else:
            rounds = args.rounds or (2 if args.quick else scenario.rounds)
            if not args.quick:
                rounds = max(rounds, scenario.min_rounds)
            runs = run_list_scenario(scenario, these, rounds, env, timeout)
        used_rounds[scenario.key] = rounds
        all_runs += runs
        summaries[scenario.key] = summarise(scenario, these, runs)
    elapsed = time.perf_counter() - started
    info["loadavg_at_end"] = os.getloadavg()

    rows = table_rows(scenarios, summaries)
    print()
    print_table(rows)
    latest = {
        "machine": info,
        "quick": args.quick,
        "rounds": used_rounds,
        "scenarios": [asdict(s) for s in scenarios],
        "summaries": {k: [asdict(s) for s in v] for k, v in summaries.items()},
        "runs": [asdict(r) for r in all_runs],
        "import_breakdown": breakdown,
        "elapsed_s": elapsed,
    }
    (RESULTS_DIR / "latest.json").write_text(json.dumps(latest, indent=2) + "\n")
    print(f"\nwrote {RESULTS_DIR / 'latest.json'}")
    if write:
        results = HERE / "RESULTS.md"
        notes = hand_written_notes(results.read_text() if results.exists() else "")
        results.write_text(
            with_notes(markdown(scenarios, summaries, info, used_rounds, breakdown, elapsed), notes)
        )
        (HERE / "results.svg").write_text(svg_chart(scenarios, summaries))
        print(f"wrote {HERE / 'RESULTS.md'} and {HERE / 'results.svg'}")
    failures = [r for r in all_runs if r.client == "floor" and r.status != "ok"]
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
