"""``python -m kformat.conformance reader|writer|list [options] -- CMD...``.

Exit status: 0 when every selected case passed (skips allowed), 1 when some case failed,
2 for a usage error, an empty selection or a malformed corpus.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from kformat.conformance._cases import Case, CorpusError, find_corpus, load_cases, select
from kformat.conformance._report import Result, render

__all__ = ["build_parser", "main"]

_EPILOG = """\
reader: CMD gets PATH [--architecture ARCH] [--limits LIMITS.json] [--deep]
[--inputs IN.npz --outputs OUT.npz] and prints a JSON verdict
{"valid": bool, "issues": [{"code", "member", "path"}]} on stdout.
writer: CMD gets --description model.json --weights weights.npz --out OUT.keras;
the harness runs each written file through the --reader command (default: the
corpus' adapters/kformat_reader.py with this interpreter) to check its outputs.
See conformance/README.md for the full contracts.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kformat.conformance",
        description="Run a .keras reader or writer against the kformat conformance corpus.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="python -m kformat.conformance {reader,writer,list} [options] [-- CMD...]",
    )
    parser.add_argument("mode", choices=("reader", "writer", "list"), help="what to run")
    parser.add_argument(
        "--corpus", type=Path, default=None, help="the conformance/ folder (default: found)"
    )
    parser.add_argument(
        "--area",
        action="append",
        default=[],
        help="only cases with this id component (valid, invalid, runtime, keras_files, "
        "hostile, an area such as config, or a writer tag such as keras-3.15.1); repeatable",
    )
    parser.add_argument(
        "-k", dest="names", action="append", default=[], help="only case ids containing this"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per case (default 120)"
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=1, help="cases run in parallel (default 1)"
    )
    parser.add_argument(
        "--errors-only",
        action="store_true",
        help="reader: do not score warnings (skip warning-only cases)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="writer: a validator warning the case does not allow fails it",
    )
    parser.add_argument(
        "--no-runtime",
        action="store_true",
        help="reader: do not ask for outputs (structure and validity only); "
        "writer: do not run the written files",
    )
    parser.add_argument(
        "--reader",
        metavar="CMD",
        default=None,
        help="writer: the reader command (one string, split like a shell) that runs each "
        "written file on the case's inputs (default: python CORPUS/adapters/kformat_reader.py)",
    )
    return parser


def _list(cases: Sequence[Case], fmt: str) -> int:
    if fmt == "json":
        import json

        rows = [
            {
                "id": c.id,
                "kind": c.kind,
                "valid": c.valid,
                "codes": sorted({i.code for i in c.issues}),
                "runtime": c.runtime is not None,
                "writer": c.writer is not None,
                "source": str(c.source),
            }
            for c in cases
        ]
        print(json.dumps(rows, indent=2))
    else:
        for c in cases:
            codes = ",".join(sorted({i.code for i in c.issues}))
            flags = "".join(
                f for f, on in (("R", c.runtime is not None), ("W", c.writer is not None)) if on
            )
            print(f"{c.id}\t{'valid' if c.valid else 'invalid'}\t{codes}\t{flags}")
    print(f"{len(cases)} cases", file=sys.stderr)
    return 0


def _reader_command(text: str | None) -> list[str]:
    try:
        return shlex.split(text or "")
    except ValueError:  # unbalanced quotes: reported as a usage error
        return []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after the first "--" is the command under test, options and all.
    command: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, command = argv[:cut], argv[cut + 1 :]
    args = parser.parse_args(argv)
    reader_command = _reader_command(args.reader)
    if args.reader is not None and (args.mode != "writer" or not reader_command):
        parser.print_usage(sys.stderr)
        print("error: --reader takes a non-empty command, in writer mode only", file=sys.stderr)
        return 2
    if args.mode != "list" and not command:
        parser.print_usage(sys.stderr)
        print("error: give the command to test after --", file=sys.stderr)
        return 2
    try:
        corpus = find_corpus(args.corpus)
        cases = select(load_cases(corpus), areas=args.area, names=args.names)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.mode == "list":
        return _list(cases, args.format)
    if args.mode == "writer":
        cases = [c for c in cases if c.writer is not None]
    if not cases:
        print("error: no case matches the filters", file=sys.stderr)
        return 2

    def show(result: Result) -> None:
        if args.format == "text":
            print(result.line(), flush=True)

    jobs = max(1, args.jobs if args.jobs > 0 else (os.cpu_count() or 1))
    if args.mode == "reader":
        from kformat.conformance._reader import run_reader

        results = run_reader(
            command,
            cases,
            timeout=args.timeout,
            jobs=jobs,
            errors_only=args.errors_only,
            runtime=not args.no_runtime,
            on_result=show,
        )
    else:
        from kformat.conformance._writer import default_reader, run_writer

        reader: list[str] | None = None
        if not args.no_runtime:
            reader = reader_command or default_reader(corpus)
        results = run_writer(
            command,
            cases,
            reader=reader,
            timeout=args.timeout,
            jobs=jobs,
            strict=args.strict,
            on_result=show,
        )
    render(results, mode=args.mode, command=command, fmt=args.format, out=sys.stdout)
    return 1 if any(r.outcome == "fail" for r in results) else 0
