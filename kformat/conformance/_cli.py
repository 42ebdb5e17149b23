"""``python -m kformat.conformance reader|writer|list [options] -- CMD...``.

Exit status: 0 when every selected case passed (skips allowed), 1 when some case failed,
2 for a usage error, an empty selection or a malformed corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from kformat.conformance._cases import Case, CorpusError, find_corpus, load_cases, select
from kformat.conformance._protocol import PROTOCOLS
from kformat.conformance._report import Result, render

__all__ = ["build_parser", "main"]

_EPILOG = """\
reader: CMD gets PATH [--architecture ARCH] [--limits LIMITS.json] [--deep]
[--inputs IN.npz --outputs OUT.npz] and prints a JSON verdict
{"valid": bool, "issues": [{"code", "member", "path"}], "decoded": {...}} on stdout.
writer: CMD gets --description model.json --weights weights.npz --out OUT.keras;
the harness runs each written file through the --reader command (default: the
corpus' adapters/kformat_reader.py with this interpreter) and, when Keras is
installed, through real Keras (adapters/keras_reader.py) to check its outputs.
--protocol lines: CMD starts once per job and gets one JSON request per line on
stdin, answering each with one JSON line carrying the request's "id".
Every case runs on a private copy of its files. See conformance/README.md.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kformat.conformance",
        description="Run a .keras reader or writer against the kformat conformance corpus.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="python -m kformat.conformance {reader,writer,list} [options] [-- CMD...]",
    )
    parser.add_argument("what", choices=("reader", "writer", "list"), help="what to run")
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
    parser.add_argument(
        "--format",
        choices=("text", "jsonl", "json"),
        default="text",
        help="text (default), jsonl (a JSON line per case as it finishes, then a summary "
        "line) or json (one document at the end)",
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per case (default 120)"
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=1, help="cases run in parallel (default 1)"
    )
    parser.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        default="argv",
        help="argv: CMD runs once per case (default); lines: CMD runs once per job and "
        "reads one JSON request per line on stdin (persistent adapters)",
    )
    parser.add_argument(
        "--mode",
        dest="score",
        choices=("validate", "load"),
        default="validate",
        help="reader: validate (default) scores validity and issue codes; load scores a "
        "loader that is not a validator: accept/refuse, decoded form and outputs only",
    )
    parser.add_argument(
        "--errors-only",
        action="store_true",
        help="reader: do not score warnings (skip warning-only cases)",
    )
    parser.add_argument(
        "--strict",
        nargs="?",
        const="all",
        default=None,
        metavar="CODES",
        help="writer: validator warnings the case does not allow fail it: all of them, or "
        "only CODES (--strict=KF112,KF113)",
    )
    parser.add_argument(
        "--error-on",
        default=None,
        metavar="CODES",
        help="writer: the same as --strict=CODES",
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
        "written file on the case's inputs (default: python CORPUS/adapters/kformat_reader.py "
        "--serve with --reader-protocol lines)",
    )
    parser.add_argument(
        "--reader-protocol",
        choices=PROTOCOLS,
        default=None,
        help="writer: the --reader command's protocol (default: argv; lines for the default)",
    )
    parser.add_argument(
        "--oracle",
        choices=("auto", "on", "off"),
        default="auto",
        help="writer: load each written file with real Keras (adapters/keras_reader.py) and "
        "compare its outputs: auto (default: when keras is importable), on (required), off",
    )
    return parser


def _list(cases: Sequence[Case], fmt: str) -> int:
    if fmt == "json":
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
    if args.reader is not None and (args.what != "writer" or not reader_command):
        parser.print_usage(sys.stderr)
        print("error: --reader takes a non-empty command, in writer mode only", file=sys.stderr)
        return 2
    if args.what != "list" and not command:
        parser.print_usage(sys.stderr)
        print("error: give the command to test after --", file=sys.stderr)
        return 2
    try:
        corpus = find_corpus(args.corpus)
        cases = select(load_cases(corpus), areas=args.area, names=args.names)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.what == "list":
        return _list(cases, args.format)
    if args.what == "writer":
        cases = [c for c in cases if c.writer is not None]
    if not cases:
        print("error: no case matches the filters", file=sys.stderr)
        return 2

    error_on = _codes(args.strict if args.error_on is None else args.error_on)
    if error_on is None:
        parser.print_usage(sys.stderr)
        print("error: --strict/--error-on take rule codes such as KF112,KF113", file=sys.stderr)
        return 2

    def show(result: Result) -> None:
        if args.format == "text":
            print(result.line(), flush=True)
        elif args.format == "jsonl":
            print(json.dumps(result.record()), flush=True)

    notes: list[str] = []
    jobs = max(1, args.jobs if args.jobs > 0 else (os.cpu_count() or 1))
    if args.score == "load" and args.errors_only:
        notes.append("--errors-only has no effect with --mode load (no codes are scored)")
    if args.what == "reader":
        from kformat.conformance._reader import run_reader

        results = run_reader(
            command,
            cases,
            timeout=args.timeout,
            jobs=jobs,
            mode=args.score,
            errors_only=args.errors_only,
            runtime=not args.no_runtime,
            protocol=args.protocol,
            on_result=show,
        )
    else:
        from kformat.conformance._writer import Checks, default_oracle, default_reader, run_writer

        reader: list[str] | None = None
        reader_protocol = args.reader_protocol or "argv"
        oracle: list[str] | None = None
        if not args.no_runtime:
            if reader_command:
                reader = reader_command
            else:
                reader = default_reader(corpus)
                if reader is not None and args.reader_protocol in (None, "lines"):
                    reader, reader_protocol = [*reader, "--serve"], "lines"
            if args.oracle != "off":
                oracle, why = default_oracle(corpus)
                if why:
                    if args.oracle == "on":
                        print(f"error: --oracle on: {why}", file=sys.stderr)
                        return 2
                    notes.append(why)
                    print(f"note: {why}", file=sys.stderr, flush=True)
            else:
                notes.append("oracle skipped: --oracle off")
        checks = Checks(
            reader=reader,
            reader_protocol=reader_protocol,
            oracle=oracle,
            error_on=error_on,
            timeout=args.timeout,
        )
        results = run_writer(
            command, cases, checks=checks, protocol=args.protocol, jobs=jobs, on_result=show
        )
    render(results, mode=args.what, command=command, fmt=args.format, out=sys.stdout, notes=notes)
    return 1 if any(r.outcome == "fail" for r in results) else 0


def _codes(text: str | None) -> frozenset[str] | str | None:
    """``--strict`` values: ``"all"``, or a set of rule codes (``None``: malformed)."""
    if text is None:
        return frozenset()
    if text == "all":
        return "all"
    codes = frozenset(c.strip().upper() for c in text.split(",") if c.strip())
    if not codes or not all(re.fullmatch(r"KF\d{3}", c) for c in codes):
        return None
    return codes
