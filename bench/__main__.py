"""Side-by-side benchmark: SmartPlex against HA core's sonarr/radarr/overseerr/tautulli.

scripts/bench [--scales home large] [--samples 3] [--readme] [--json FILE]   (README "Performance")

For each scale and each measurement a fresh simulator (seed 1, frozen clock, ports from
--port-base) and a fresh Home Assistant process (bench/worker.py) run; the simulator counts what
each side downloads. Prints the table (ratios are SmartPlex / core, measured in the same run) and
with --readme writes it into the README's "Performance" section.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import platform
import subprocess
import sys
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN = "<!-- bench:begin (scripts/bench --readme writes this) -->"
END = "<!-- bench:end -->"
SIMULATOR_SHARE = (
    0.5  # flag a measurement when the simulator served for over half of it
)
MB = 1_000_000
HTTP_PORT_OFFSET = (
    10  # Home Assistant's HTTP server: --port-base + 10 (the simulator uses + 0..5)
)
MS = 1 / 1000


STACKS = ("smartplex", "core")


def start_simulator(scale: str, port_base: int) -> tuple[subprocess.Popen[str], str]:
    """Start `python -m simulator` and return it with its JSON description."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator",
            "--scale",
            scale,
            "--seed",
            "1",
            "--speed",
            "0",
            "--port-base",
            str(port_base),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("{"):
            return process, line.strip()
    process.wait()
    raise RuntimeError(f"the simulator exited with {process.returncode}")


def run_stack(
    stack: str, scale: str, port_base: int, samples: int
) -> dict[str, Any] | None:
    """Run one worker against a fresh simulator; return its result (None when it failed)."""
    simulator, description = start_simulator(scale, port_base)
    try:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [
                sys.executable,
                "-m",
                "bench.worker",
                "--stack",
                stack,
                "--samples",
                str(samples),
                "--http-port",
                str(port_base + HTTP_PORT_OFFSET),
                description,
                out.name,
            ]
            done = subprocess.run(
                command, cwd=ROOT, capture_output=True, text=True, check=False
            )
            if done.returncode:
                print(f"  {stack} failed:\n{done.stderr[-3000:]}")
                return None
            return dict(json.loads(Path(out.name).read_text()))
    finally:
        simulator.terminate()
        try:
            simulator.wait(timeout=30)
        except subprocess.TimeoutExpired:  # busy answering a large listing
            simulator.kill()
            simulator.wait()


def main() -> None:
    """Run every measurement at every scale, print and write the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", default=["home", "large"])
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--port-base", type=int, default=18700)
    parser.add_argument("--readme", action="store_true")
    parser.add_argument(
        "--json",
        type=Path,
        help="also write every measurement (per coordinator, endpoint)",
    )
    args = parser.parse_args()
    began = time.perf_counter()
    sections = []
    everything: dict[str, Any] = {}
    for scale in args.scales:
        results = everything[scale] = {}
        for stack in STACKS:
            print(f"{scale}: {stack} ...", flush=True)
            results[stack] = run_stack(stack, scale, args.port_base, args.samples)
        sections.append(render(scale, results))
    from homeassistant.const import __version__ as ha_version

    header = (
        f"Home Assistant {ha_version}, Python {platform.python_version()}, "
        f"polls per coordinator: {args.samples}, then up to a simulated day; "
        f"`scripts/bench --scales {' '.join(args.scales)} --samples {args.samples}` took "
        f"{time.perf_counter() - began:.0f} s."
    )
    text = "\n\n".join([header, *sections]) + "\n"
    print(text)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1))
    if args.readme:
        readme = README.read_text()
        start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
        README.write_text(readme[:start] + "\n" + text + readme[end:])


def _get(result: dict[str, Any] | None, *path: str) -> Any:
    """Return a nested value, or None if the run failed or has no such value."""
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _flag(part: dict[str, Any] | None) -> str:
    """Return † when the simulator served for over half of a measured time."""
    if not part or not part.get("seconds"):
        return ""
    served = _get(part, "upstream", "seconds") or 0
    return " †" if served > SIMULATOR_SHARE * part["seconds"] else ""


def _ratio(ours: float | None, theirs: float | None) -> str:
    """Return SmartPlex / core."""
    if ours is None or theirs is None or theirs == 0:
        return "-"
    return f"{ours / theirs:.2f}x"


# (label, where in a worker's result, divided by, format)
ROWS: list[tuple[str, tuple[str, ...], float, str]] = [
    (
        "requests per hour (default entities)",
        ("polling", "per_hour", "requests"),
        1,
        "{:.0f}",
    ),
    (
        "MB per hour from the upstreams (default entities)",
        ("polling", "per_hour", "bytes"),
        MB,
        "{:.2f}",
    ),
    (
        "requests per hour (all entities)",
        ("polling_all_entities", "per_hour", "requests"),
        1,
        "{:.0f}",
    ),
    (
        "MB per hour from the upstreams (all entities)",
        ("polling_all_entities", "per_hour", "bytes"),
        MB,
        "{:.2f}",
    ),
    ("setup (s)", ("setup", "seconds"), 1, "{:.2f}"),
    ("CPU of setup (s)", ("setup", "cpu_seconds"), 1, "{:.2f}"),
    (
        "... / orjson parse of the bytes setup read",
        ("setup", "cpu_per_parse"),
        1,
        "{:.1f}x",
    ),
    ("MB downloaded by setup", ("setup", "upstream", "bytes"), MB, "{:.2f}"),
    (
        "longest loop stall during setup, loop busy (ms)",
        ("setup", "longest_busy"),
        MS,
        "{:.0f}",
    ),
    (
        "database's first sync, play history aside, in the background (s)",
        ("database_first_sync", "seconds"),
        1,
        "{:.1f}",
    ),
    (
        "... its CPU (s)",
        ("database_first_sync", "cpu_seconds"),
        1,
        "{:.2f}",
    ),
    (
        "... MB it downloaded",
        ("database_first_sync", "upstream", "bytes"),
        MB,
        "{:.2f}",
    ),
    (
        "... its longest loop stall, loop busy (ms)",
        ("database_first_sync", "longest_busy"),
        MS,
        "{:.0f}",
    ),
    ("CPU of one full refresh (s)", ("full_refresh", "cpu_seconds"), 1, "{:.2f}"),
    (
        "... / orjson parse of the same bytes",
        ("full_refresh", "cpu_per_parse"),
        1,
        "{:.1f}x",
    ),
    (
        "MB downloaded by a full refresh",
        ("full_refresh", "upstream", "bytes"),
        MB,
        "{:.2f}",
    ),
    (
        "longest loop stall in a full refresh, loop busy (ms)",
        ("full_refresh", "longest_busy"),
        MS,
        "{:.0f}",
    ),
    (
        "longest loop stall in a full refresh, wall (ms)",
        ("full_refresh", "longest_stall"),
        MS,
        "{:.0f}",
    ),
    (
        "CPU of a full resync, every list downloaded again (s)",
        ("full_resync", "cpu_seconds"),
        1,
        "{:.2f}",
    ),
    (
        "... / orjson parse of the same bytes",
        ("full_resync", "cpu_per_parse"),
        1,
        "{:.1f}x",
    ),
    (
        "MB downloaded by a full resync",
        ("full_resync", "upstream", "bytes"),
        MB,
        "{:.2f}",
    ),
    (
        "longest loop stall in a full resync, loop busy (ms)",
        ("full_resync", "longest_busy"),
        MS,
        "{:.0f}",
    ),
    (
        "memory retained after setup + full refresh (MB)",
        ("memory", "retained_bytes"),
        MB,
        "{:.1f}",
    ),
]


def render(scale: str, results: dict[str, dict[str, Any] | None]) -> str:
    """Return the Markdown table of one scale."""
    ours, theirs = results["smartplex"], results["core"]
    rows = [
        (
            label,
            None if (a := _get(ours, *path)) is None else a / divisor,
            None if (b := _get(theirs, *path)) is None else b / divisor,
            unit,
        )
        for label, path, divisor, unit in ROWS
    ]

    def cell(value: float | None, unit: str) -> str:
        return "-" if value is None else unit.format(value)

    lines = [
        f"**{scale}** scale",
        "",
        "| measured | SmartPlex | HA core | SmartPlex / core |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {label}{_failed(ours, theirs, path)} | {cell(a, unit)} | {cell(b, unit)} | {_ratio(a, b)} |"
        for (label, a, b, unit), (_, path, _, _) in zip(rows, ROWS, strict=True)
    ]
    lines += [
        "",
        "| action | SmartPlex: ms, requests, KB, stall ms | HA core nearest | core: ms, requests, KB, stall ms | latency SmartPlex / core |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for name, mine in (_get(ours, "actions") or {}).items():
        other = _get(theirs, "actions", name)
        lines.append(
            f"| `smartplex.{name}` | {_action_cell(mine)} | "
            f"{'`' + other['action'] + '`' if other else 'none'} | {_action_cell(other)} | "
            f"{_ratio(mine.get('seconds'), (other or {}).get('seconds'))} |"
        )
    if "†" in "\n".join(lines):
        lines += ["", "† the simulator spent over half of this time serving it."]
    failures = [
        f"{stack} {part}: {', '.join(names)}"
        for stack, result in results.items()
        for part in ("setup", "database_first_sync", "full_refresh", "full_resync")
        if (names := _get(result, part, "failed"))
    ]
    if failures:
        lines += [
            "",
            "‡ a coordinator failed during this measurement (its CPU and stall are missing: "
            "usually a request timed out while the simulator was slow): "
            + "; ".join(failures),
        ]
    return "\n".join(lines)


def _failed(
    ours: dict[str, Any] | None, theirs: dict[str, Any] | None, path: tuple[str, ...]
) -> str:
    """Return ‡ when a coordinator failed in the part of the run a row comes from."""
    return (
        " ‡" if _get(ours, path[0], "failed") or _get(theirs, path[0], "failed") else ""
    )


def _action_cell(action: dict[str, Any] | None) -> str:
    """Return "ms, requests, KB, stall" of an action."""
    if action is None:
        return "-"
    if "error" in action:
        return f"failed: {action['error'][:80]}"
    return (
        f"{action['seconds'] * 1000:.0f} ms, {action['upstream']['requests']:.0f} req, "
        f"{action['upstream']['bytes'] / 1000:.1f} KB, {action['longest_busy'] * 1000:.0f} ms"
        f"{_flag(action)}"
    )


if __name__ == "__main__":
    main()
