"""The ``kformat`` command: ``info``, ``validate``, ``inspect``, ``diff``, ``patch``, ``plot``,
``migrate``.

Exit status of ``info``: 0 read, 1 the file breaks a rule (the reader's
error, spec/format.md §11.2), 2 usage error or a path that cannot be opened.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kformat._display import PATH_CHARS, clean, emit

__all__ = ["main"]


def _info(args: argparse.Namespace) -> int:
    from kformat._info import render_info, summary
    from kformat._read import read
    from kformat.errors import KFormatError

    name = "<stdin>" if args.file == "-" else args.file
    try:
        archive = read(sys.stdin.buffer if args.file == "-" else args.file)
    except KFormatError as exc:
        print(f"{clean(name, PATH_CHARS)}: {clean(str(exc), 400)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{clean(name, PATH_CHARS)}: {clean(exc.strerror or str(exc))}", file=sys.stderr)
        return 2
    emit(render_info(summary(archive, name), args.format))  # a closed pipe is no failure
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 invalid, 2 usage/I-O)."""
    from kformat._migrate._cli import add_parser as add_migrate
    from kformat._tools_cli import add_parsers as add_tools
    from kformat.validate._cli import VersionAction
    from kformat.validate._cli import add_parser as add_validate

    parser = argparse.ArgumentParser(prog="kformat", description=__doc__)
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser(
        "info",
        help="summarise a .keras / .weights.h5 / .weights.json file",
        description="Layout, writer, layers with parameter counts and every weight "
        "(natural order) of a Keras file; - reads a .keras archive from stdin.",
    )
    info.add_argument("file")
    info.add_argument("--format", choices=("text", "json"), default="text")
    info.set_defaults(func=_info)
    add_validate(sub)
    add_tools(sub)
    add_migrate(sub)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
