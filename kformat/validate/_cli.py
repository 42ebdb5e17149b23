"""``python -m kformat.validate FILE...`` and ``kformat validate FILE...`` (spec/format.md §11).

Exit status: 0 every file valid, 1 some file invalid (or, with ``--strict``,
has warnings), 2 usage error or a path that cannot be opened. What an
argument stands for (files, directories, ``@LIST`` files, fsspec URLs, ``-``
for standard input) is decided in ``_inputs``; ``--jobs`` validates in a
process pool (``_pool``) and ``--format jsonl`` streams one line per file as
it finishes, which ``--resume`` reads back to skip the files already
reported. The options follow ruff and check-jsonschema:
``--select``/``--ignore`` take codes or code prefixes, ``--color`` and
``NO_COLOR`` (no-color.org) decide on colour, ``--version`` prints the version.

Only argparse and the light modules are imported up front: the driver (numpy,
h5py, the schemas) is imported when there is a file to check.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from typing import Any

from kformat._display import PATH_CHARS, clean, emit
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._rules import RULES
from kformat.validate._inputs import STDIN, expand, read_list
from kformat.validate._report import MAX_ISSUES, FileReport, file_entry, render

__all__ = ["add_parser", "build_parser", "main"]

_DESCRIPTION = (
    "Check Keras model files (.keras, unzipped model directories, .weights.h5, sharded "
    ".weights.json) against every rule of the kformat specification, without running, "
    "importing or opening anything the file names."
)
_EPILOG = (
    "exit status: 0 valid, 1 invalid (--strict: warnings too), 2 usage error or unreadable "
    "path. Directories are searched for .keras, .weights.h5, .weights.json and unzipped "
    "model directories; @LIST reads inputs from a file, one per line. Colour: on a terminal unless NO_COLOR is set to a non-empty value; --color "
    "always/never overrides both. Limits (spec/format.md section 12) are overridden with --limit NAME=VALUE, e.g. "
    "--limit max_config_bytes=33554432."
)


class VersionAction(argparse.Action):
    """``--version``: prints ``kformat X.Y.Z`` (from the installed distribution's
    metadata, looked up only when asked) and exits 0."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help="print the version and exit",
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        from kformat import __version__

        emit(f"kformat {__version__}\n")
        parser.exit()


_SELECTOR = re.compile(r"KF[0-9]{0,3}")


def _selectors(text: str) -> list[str]:
    """``KF310,KF4`` -> ``["KF310", "KF4"]``; each must be a code or the prefix of one."""
    out = []
    for item in text.split(","):
        item = item.strip().upper()
        if not item:
            continue
        if not _SELECTOR.fullmatch(item) or not any(code.startswith(item) for code in RULES):
            raise argparse.ArgumentTypeError(f"{item!r} is not a rule code or a prefix of one")
        out.append(item)
    return out


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="FILE",
        help="files, directories (searched recursively), @LIST files of inputs, or fsspec "
        "URLs (s3://, gs://, file://, memory://; needs fsspec); - reads a .keras archive "
        "from stdin",
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument(
        "--format",
        choices=("text", "json", "jsonl", "github", "sarif"),
        default="text",
        help="report format (json: spec/schemas/report.schema.json; jsonl: one file object "
        "of it per line, as each file finishes; sarif: SARIF 2.1.0)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=_count,
        default=1,
        metavar="N",
        help="validate N files at a time in worker processes; 0: one per core (default 1)",
    )
    parser.add_argument(
        "--from-file",
        action="append",
        default=[],
        metavar="LIST",
        help="read inputs from LIST, one per line (like @LIST; repeatable)",
    )
    parser.add_argument(
        "--resume",
        metavar="REPORT",
        help="skip the files a --format jsonl REPORT already lists (append the new lines "
        "to it: >> REPORT)",
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
    parser.add_argument(
        "--select",
        action="extend",
        type=_selectors,
        default=[],
        metavar="CODES",
        help="report only these codes or code prefixes, comma-separated (KF3,KF420)",
    )
    parser.add_argument(
        "--ignore",
        action="extend",
        type=_selectors,
        default=[],
        metavar="CODES",
        help="drop these codes or code prefixes, comma-separated (KF310,KF423); "
        "dropped issues do not fail a file",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the codes of the text report (auto: on a terminal, unless NO_COLOR is set)",
    )
    parser.add_argument(
        "--max-issues",
        type=_count,
        default=MAX_ISSUES,
        metavar="N",
        help=f"list at most N issues per file, 0 for all (default {MAX_ISSUES}); "
        "counts and verdicts always cover every issue",
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


def use_color(choice: str, stream: Any) -> bool:
    """``--color``: ``auto`` colours a terminal unless ``NO_COLOR`` holds a
    non-empty value (no-color.org: an empty one counts as unset); an explicit
    ``always``/``never`` overrides the variable."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _reported(path: str) -> set[str]:
    """The file names a ``--format jsonl`` report already lists; a line cut
    short (an interrupted run) does not count."""
    names: set[str] = set()
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                names.add(entry["file"])
    return names


def _appending_to(path: str) -> bool:
    """Whether standard output is ``path`` and it ends inside a line."""
    try:
        out, report = os.fstat(sys.stdout.fileno()), os.stat(path)
    except (OSError, ValueError, AttributeError):
        return False
    if (out.st_dev, out.st_ino) != (report.st_dev, report.st_ino) or report.st_size == 0:
        return False
    with open(path, "rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def _summary(reports: list[FileReport], strict: bool, seconds: float, fetched: int) -> str:
    valid = sum(1 for r in reports if r.valid(strict=strict))
    unreadable = sum(1 for r in reports if r.unreadable is not None)
    rate = len(reports) / seconds if seconds > 0 else 0.0
    text = (
        f"{len(reports)} files: {valid} valid, {len(reports) - valid - unreadable} with errors, "
        f"{unreadable} unreadable ({seconds:.1f} s, {rate:.1f} files/s"
    )
    if fetched:
        text += f", {fetched} bytes fetched"
    return text + ")\n"


def _command(args: argparse.Namespace) -> int:
    from kformat import _progress
    from kformat.validate import _pool

    try:
        limits = _limits(args.limit)
        inputs = list(args.paths)
        for listing in args.from_file:
            try:
                inputs.extend(read_list(listing))
            except OSError as exc:
                raise _UsageError(f"--from-file {listing}: {exc.strerror or exc}") from None
        if not inputs:
            raise _UsageError("no input: name files, directories, @LIST files or URLs")
        if args.resume is not None and args.format != "jsonl":
            raise _UsageError("--resume reads a --format jsonl report: use --format jsonl")
        done: set[str] = set()
        if args.resume is not None and os.path.exists(args.resume):
            try:
                done = _reported(args.resume)
            except OSError as exc:
                raise _UsageError(f"--resume {args.resume}: {exc.strerror or exc}") from None
    except _UsageError as exc:
        print(f"kformat validate: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    options = _pool.Options(limits, args.deep, tuple(args.select), tuple(args.ignore))
    stream = args.format == "jsonl"
    if stream and args.resume is not None and _appending_to(args.resume):
        emit("\n")  # finish the line an interrupted run left
    found = [(n, p) for n, p in expand(inputs) if clean(n, PATH_CHARS) not in done]
    slots: list[FileReport | None] = [None] * len(found)
    fetched = 0

    def finished(i: int, report: FileReport) -> None:
        slots[i] = report
        if stream:
            entry = file_entry(report, strict=args.strict, cap=args.max_issues)
            emit(json.dumps(entry) + "\n")

    names, where = [], []
    for i, (name, problem) in enumerate(found):
        if problem is not None:
            finished(i, FileReport(name, unreadable=problem))
        elif name == STDIN:  # a file called "-" is ./-; stdin is read here, not in a worker
            finished(i, _pool.check(STDIN, options, stdin=sys.stdin.buffer)[0])
        else:
            names.append(name)
            where.append(i)
    jobs = min(_pool.workers(args.jobs), max(1, len(names)))
    with _progress.bar(len(names), "validate", quiet=args.quiet, unit="file") as update:
        for count, (k, report, nbytes) in enumerate(
            _pool.results(names, options, jobs=jobs), start=1
        ):
            fetched += nbytes
            finished(where[k], report)
            update(count)
    reports = [r for r in slots if r is not None]
    seconds = time.monotonic() - started
    if not stream:
        color = args.format == "text" and use_color(args.color, sys.stdout)
        out = render(
            reports,
            fmt=args.format,
            strict=args.strict,
            quiet=args.quiet,
            color=color,
            max_issues=args.max_issues,
        )
        if args.format == "text" and not args.quiet and len(reports) > 1:
            out += _summary(reports, args.strict, seconds, fetched)
        if out:
            emit(out)  # a closed pipe ends the output, not the verdict: same exit status
    for report in reports:
        if report.unreadable is not None:
            print(
                f"kformat validate: {clean(report.name, PATH_CHARS)}: {clean(report.unreadable)}",
                file=sys.stderr,
            )
    if stream and not args.quiet:
        print(
            f"kformat validate: {_summary(reports, args.strict, seconds, fetched)}",
            end="",
            file=sys.stderr,
        )
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
