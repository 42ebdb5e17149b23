"""Timing, resident-memory measurement and table printing shared by the benchmarks."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CACHE = Path(os.environ.get("KFORMAT_BENCH_CACHE", Path(tempfile.gettempdir()) / "kformat-bench"))


def median_time(fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn`` in seconds over ``repeat`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child_peak_rss(setup: str, op: str, *, env: dict[str, str] | None = None) -> float | None:
    """Peak resident bytes an operation adds above the interpreter after ``setup``.

    Runs in a fresh process: ``setup`` (imports) first, then ``op``. Uses the
    child's own high-water mark (``VmHWM``, reset through ``clear_refs``):
    ``ru_maxrss`` would include the forking parent's size on Linux.
    Returns the growth in bytes, or None when the child fails.
    """
    code = (
        "import gc\n"
        "def _kb(key):\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith(key):\n"
        "            return int(line.split()[1]) * 1024\n"
        f"{setup}\n"
        "gc.collect()\n"
        "open('/proc/self/clear_refs', 'w').write('5')\n"
        "base = _kb('VmRSS:')\n"
        f"{op}\n"
        "print(_kb('VmHWM:') - base)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        return None
    return float(proc.stdout.strip().splitlines()[-1])


def child_time(
    setup: str, op: str, *, repeat: int = 3, env: dict[str, str] | None = None
) -> float | None:
    """Median time of ``op`` measured inside a fresh process after ``setup``."""
    code = (
        "import time, statistics\n"
        f"{setup}\n"
        "ts = []\n"
        f"for _ in range({repeat}):\n"
        "    s = time.perf_counter()\n"
        f"    {op}\n"
        "    ts.append(time.perf_counter() - s)\n"
        "print(statistics.median(ts))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-2000:])
        return None
    return float(proc.stdout.strip().splitlines()[-1])


def have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 1e3:.1f} ms" if value < 1 else f"{value:.2f} s"


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n## {title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def dump_json(results: dict[str, Any]) -> None:
    print(json.dumps(results, indent=2, default=str))


def main_for(
    doc: str | None, run: Callable[[], dict[str, Any]], report: Callable[[dict[str, Any]], None]
) -> Callable[[list[str] | None], int]:
    """A ``main(argv)`` for a benchmark module: a table, or ``--json``."""

    def main(argv: list[str] | None = None) -> int:
        import argparse

        parser = argparse.ArgumentParser(description=doc)
        parser.add_argument("--json", action="store_true")
        args = parser.parse_args(argv)
        results = run()
        if args.json:
            dump_json(results)
        else:
            report(results)
        return 0

    return main
