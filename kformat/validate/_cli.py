"""``python -m kformat.validate FILE...`` and ``kformat validate FILE...`` (spec/format.md §11).

Exit status: 0 every file valid, 1 some file invalid (or, with ``--strict``,
has warnings), 2 usage error or a path that cannot be opened. A directory
argument validates itself when it is an unzipped model (it has
``config.json``), else every ``.keras`` file below it; ``-`` reads a ``.keras``
archive from standard input. The options follow ruff and check-jsonschema:
``--select``/``--ignore`` take codes or code prefixes, ``--color`` and
``NO_COLOR`` (no-color.org) decide on colour, ``--version`` prints the version.

Only argparse and the light modules are imported up front: the driver (numpy,
h5py, the schemas) is imported when there is a file to check.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kformat._display import PATH_CHARS, clean, emit
from kformat._issues import Issue
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._rules import RULES
from kformat.validate._report import MAX_ISSUES, FileReport, render

__all__ = ["add_parser", "build_parser", "main"]

_DESCRIPTION = (
    "Check Keras model files (.keras, unzipped model directories, .weights.h5, sharded "
    ".weights.json) against every rule of the kformat specification, without running, "
    "importing or opening anything the file names."
)
_EPILOG = (
    "exit status: 0 valid, 1 invalid (--strict: warnings too), 2 usage error or unreadable "
    "path. Colour: on a terminal unless NO_COLOR is set to a non-empty value; --color "
    "always/never overrides both. Limits (spec/format.md section 12) are overridden with --limit NAME=VALUE, e.g. "
    "--limit max_config_bytes=33554432."
)


STDIN = "<stdin>"


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
        nargs="+",
        metavar="FILE",
        help="files or directories (every .keras inside); - reads a .keras archive from stdin",
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="report format (json: spec/schemas/report.schema.json; sarif: SARIF 2.1.0)",
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


def _discover(arg: str) -> Iterator[tuple[str, str | None]]:
    """``(display name, problem)`` for the files an argument stands for."""
    if arg == "-":
        yield STDIN, None
        return
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


def _keep(issue: Issue, select: Sequence[str], ignore: Sequence[str]) -> bool:
    if select and not issue.code.startswith(tuple(select)):
        return False
    return not issue.code.startswith(tuple(ignore))


def _validate(name: str, limits: Limits, args: argparse.Namespace, stdin: Any = None) -> FileReport:
    from kformat.validate._driver import run

    try:
        result = run(name if stdin is None else stdin, limits=limits, deep=args.deep)
    except OSError as exc:
        return FileReport(name, unreadable=exc.strerror or str(exc))
    return FileReport(
        name,
        [i for i in result.issues if _keep(i, args.select, args.ignore)],
        layout=result.layout,
        custom_objects=list(result.custom_objects),
    )


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
                reports.append(FileReport(name, unreadable=problem))
            elif arg == "-":  # a file called "-" is ./-
                reports.append(_validate(name, limits, args, stdin=sys.stdin.buffer))
            else:
                reports.append(_validate(name, limits, args))
    color = args.format == "text" and use_color(args.color, sys.stdout)
    out = render(
        reports,
        fmt=args.format,
        strict=args.strict,
        quiet=args.quiet,
        color=color,
        max_issues=args.max_issues,
    )
    for report in reports:
        if report.unreadable is not None:
            print(
                f"kformat validate: {clean(report.name, PATH_CHARS)}: {clean(report.unreadable)}",
                file=sys.stderr,
            )
    if any(r.unreadable is not None for r in reports):
        status = 2
    else:
        status = 1 if any(not r.valid(strict=args.strict) for r in reports) else 0
    if out:
        emit(out)  # a closed pipe ends the output, not the verdict: same exit status
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the validator's command line; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help
        return int(exc.code or 0)
    return int(args.func(args))
