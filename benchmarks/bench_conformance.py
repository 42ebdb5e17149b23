"""The conformance harness with the reference reader over the whole corpus.

    python -m benchmarks.bench_conformance [--jobs 2] [--protocol lines|argv|both]
        [--sample N] [--json]

Times ``python -m kformat.conformance reader`` driving ``conformance/adapters/
kformat_reader.py``: the persistent ``lines`` protocol (one adapter process per job) and
the one-process-per-case ``argv`` protocol. Reports wall-clock time and CPU time (the
harness plus every adapter process it waited for: a shared machine's wall clock says
little, its CPU time less so). ``--sample N`` runs the ``argv`` protocol on every N-th
case only and scales its time up (a full argv run takes tens of minutes).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._util import dump_json

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "conformance"
READER = CORPUS / "adapters" / "kformat_reader.py"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_once(protocol: str, jobs: int, sample: int = 1) -> dict[str, Any]:
    from kformat.conformance import load_cases
    from kformat.conformance._reader import run_reader

    cases = load_cases(CORPUS)[::sample]
    command = [sys.executable, str(READER)] + (["--serve"] if protocol == "lines" else [])
    wall0, cpu0 = time.monotonic(), _cpu()
    results = run_reader(command, cases, jobs=jobs, protocol=protocol, timeout=600)
    wall, cpu = time.monotonic() - wall0, _cpu() - cpu0
    failed = [r.case for r in results if r.outcome == "fail"]
    return {
        "protocol": protocol,
        "jobs": jobs,
        "cases": len(cases),
        "sample": sample,
        "failed": failed,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "wall_s_full_corpus": round(wall * sample, 1),
        "cpu_s_full_corpus": round(cpu * sample, 1),
    }


def run(protocol: str = "both", jobs: int = 2, sample: int = 10) -> list[dict[str, Any]]:
    # The adapter imports kformat: make it this checkout's, not whatever is installed.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    out = []
    if protocol in ("lines", "both"):
        out.append(run_once("lines", jobs))
    if protocol in ("argv", "both"):
        out.append(run_once("argv", jobs, sample))
    return out


def report(rows: list[dict[str, Any]]) -> None:
    print("### Conformance: reference reader over the corpus")
    print()
    print("| protocol | jobs | cases run | failed | wall | CPU | full corpus: wall / CPU |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        scaled = "(measured)" if r["sample"] == 1 else f"(1 in {r['sample']}, scaled)"
        print(
            f"| {r['protocol']} | {r['jobs']} | {r['cases']} | {len(r['failed'])} "
            f"| {r['wall_s']} s | {r['cpu_s']} s "
            f"| {r['wall_s_full_corpus']} s / {r['cpu_s_full_corpus']} s {scaled} |"
        )
    print(f"\n(cpu_count={os.cpu_count()}, load average {os.getloadavg()[0]:.1f} at the end)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--protocol", choices=("lines", "argv", "both"), default="both")
    parser.add_argument("--sample", type=int, default=10, help="argv: every N-th case")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = run(args.protocol, args.jobs, args.sample)
    if args.json:
        dump_json({"conformance": rows})
    else:
        report(rows)
    return 1 if any(r["failed"] for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
