"""``kformat migrate IN OUT [--to keras3|tf_keras2] [--check]``.

Exit status: 0 written, 1 refused (the file cannot be migrated, or the result
would not validate or not compute the same outputs), 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kformat._display import PATH_CHARS, clean

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    """Register the ``migrate`` subcommand on ``kformat``'s subparsers."""
    p = sub.add_parser(
        "migrate",
        help="convert a Keras 2 model file (.keras, legacy .h5, Windows-saved) for Keras 3",
        description="Convert a tf.keras / tf_keras .keras file (Windows-saved ones included) "
        "or a legacy full-model HDF5 file into a .keras file Keras 3 loads, or a Keras 3 "
        "file into one tf_keras loads (--to tf_keras2). The result is validated before it "
        "replaces OUT; with --check both files are run and must give the same outputs.",
    )
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT", help="the .keras file to write")
    p.add_argument("--to", choices=("keras3", "tf_keras2"), default="keras3")
    p.add_argument(
        "--check",
        action="store_true",
        help="run both files with reference_runtime on generated inputs; refuse when they differ",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kformat._migrate import migrate
    from kformat.errors import KFormatError

    name = clean(args.input, PATH_CHARS)
    try:
        report = migrate(args.input, args.output, to=args.to, check=args.check)
    except KFormatError as exc:
        print(f"{name}: not migrated: {clean(str(exc), 600)}", file=sys.stderr)
        return 1
    except (ValueError, ImportError) as exc:  # a usage error, or --check without the runtime
        print(f"kformat migrate: {clean(str(exc), 400)}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{name}: {clean(exc.strerror or str(exc))}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(clean(line, 600))
    return 0
