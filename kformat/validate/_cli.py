"""``python -m kformat.validate FILE...`` and ``kformat validate FILE...`` (spec/format.md §11).

Exit status: 0 every file valid, 1 some file invalid (or, with ``--strict``,
has warnings), 2 usage error or a path that cannot be opened. A directory
argument validates itself when it is an unzipped model (it has
``config.json``), else every ``.keras`` file below it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kformat._limits import DEFAULT_LIMITS, Limits
from kformat.validate._driver import Result, run
from kformat.validate._report import FileReport, render

__all__ = ["add_parser", "build_parser", "main"]

_DESCRIPTION = (
    "Check Keras model files (.keras, unzipped model directories, .weights.h5, sharded "
    ".weights.json) against every rule of the kformat specification, without running, "
    "importing or opening anything the file names."
)
_EPILOG = (
    "exit status: 0 valid, 1 invalid (--strict: warnings too), 2 usage error or unreadable "
    "path. Limits (spec/format.md section 12) are overridden with --limit NAME=VALUE, e.g. "
    "--limit max_config_bytes=33554432."
)


def _configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "paths", nargs="+", metavar="FILE", help="files or directories (every .keras inside)"
    )
    parser.add_argument(
        "--format", choices=("text", "json", "github"), default="text", help="report format"
    )
    parser.add_argument("--strict", action="store_true", help="warnings make a file invalid")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only what makes files fail"
    )
    parser.add_argument(
        "--deep",
        action="store_true",
        help="also verify every member's CRC and scan weights for NaN/Inf (reads all weights)",
    )
    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one limit of kformat.Limits (repeatable)",
    )
    parser.set_defaults(func=_command)
    return parser


def build_parser(prog: str = "python -m kformat.validate") -> argparse.ArgumentParser:
    """The stand-alone argument parser."""
    return _configure(argparse.ArgumentParser(prog=prog, description=_DESCRIPTION, epilog=_EPILOG))


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``validate`` to the ``kformat`` command's subparsers."""
    parser = subparsers.add_parser(
        "validate",
        help="check files against the specification",
        description=_DESCRIPTION,
        epilog=_EPILOG,
    )
    return _configure(parser)


class _UsageError(Exception):
    pass


def _limits(overrides: Sequence[str]) -> Limits:
    fields = {f.name: f for f in dataclasses.fields(Limits)}
    values: dict[str, Any] = {}
    for item in overrides:
        name, sep, raw = item.partition("=")
        if not sep or name not in fields:
            raise _UsageError(
                f"--limit expects NAME=VALUE with NAME one of {', '.join(sorted(fields))}"
            )
        try:
            value: Any = float(raw) if name == "max_compression_ratio" else int(raw, 0)
        except ValueError:
            raise _UsageError(f"--limit {name}: {raw!r} is not a number") from None
        if value <= 0:
            raise _UsageError(f"--limit {name}: must be positive")
        values[name] = value
    return dataclasses.replace(DEFAULT_LIMITS, **values)


def _discover(arg: str) -> Iterator[tuple[str, str | None]]:
    """``(display name, problem)`` for the files an argument stands for."""
    path = Path(arg)
    try:
        st = path.stat()
    except OSError as exc:
        yield arg, exc.strerror or str(exc)
        return
    if stat.S_ISDIR(st.st_mode):
        if (path / "config.json").exists() or (path / "config.json").is_symlink():
            yield arg, None  # an unzipped model directory
            return
        found = False
        for root, dirs, files in os.walk(path):  # does not follow symlinked folders
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".keras"):
                    found = True
                    yield os.path.join(root, name), None
        if not found:
            yield arg, "directory holds no .keras file"
        return
    if not stat.S_ISREG(st.st_mode):
        yield arg, "not a regular file or directory"
        return
    yield arg, None


def _validate(name: str, limits: Limits, deep: bool) -> FileReport:
    try:
        result = run(name, limits=limits, deep=deep)
    except OSError as exc:
        return FileReport(name, Result(), unreadable=exc.strerror or str(exc))
    return FileReport(name, result)


def _command(args: argparse.Namespace) -> int:
    try:
        limits = _limits(args.limit)
    except _UsageError as exc:
        print(f"kformat validate: {exc}", file=sys.stderr)
        return 2
    reports: list[FileReport] = []
    for arg in args.paths:
        for name, problem in _discover(arg):
            if problem is not None:
                reports.append(FileReport(name, Result(), unreadable=problem))
            else:
                reports.append(_validate(name, limits, args.deep))
    color = args.format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    out = render(reports, fmt=args.format, strict=args.strict, quiet=args.quiet, color=color)
    if out:
        sys.stdout.write(out)
    for report in reports:
        if report.unreadable is not None:
            print(f"kformat validate: {report.name}: {report.unreadable}", file=sys.stderr)
    if any(r.unreadable is not None for r in reports):
        return 2
    return 1 if any(not r.valid(strict=args.strict) for r in reports) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the validator's command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help
        return int(exc.code or 0)
    return int(args.func(args))
