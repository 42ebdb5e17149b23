"""``kformat inspect | diff | patch | plot``: thin command-line layers over the Python API.

Exit status: ``inspect``/``patch``/``plot`` 0 done, 1 the file breaks a rule
(or the patch would), 2 usage error or a path that cannot be opened;
``diff`` 0 same, 1 different, 2 unreadable (a CI gate).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from subprocess import SubprocessError
from typing import Any

from kformat._display import PATH_CHARS, clean, emit

__all__ = ["add_parsers"]


def _fail(name: str, exc: BaseException) -> int:
    from kformat.errors import KFormatError

    if isinstance(exc, KFormatError):
        print(f"{clean(name, PATH_CHARS)}: {clean(str(exc), 400)}", file=sys.stderr)
        return 1
    if isinstance(exc, OSError):
        print(f"{clean(name, PATH_CHARS)}: {clean(exc.strerror or str(exc))}", file=sys.stderr)
        return 2
    print(f"kformat: {clean(str(exc), 400)}", file=sys.stderr)
    return 2


def _guard(name: str, fn: Callable[[], int]) -> int:
    from kformat.errors import KFormatError

    try:
        return fn()
    except (KFormatError, OSError, ValueError, KeyError, RuntimeError, SubprocessError) as exc:
        if isinstance(exc, KeyError):
            exc = ValueError(str(exc.args[0]) if exc.args else "not found")
        return _fail(name, exc)


def _inspect(args: argparse.Namespace) -> int:
    from kformat._archive import WeightMap
    from kformat._inspect import inspect_archive
    from kformat._inspect_render import render
    from kformat._progress import bar
    from kformat._read import read

    def run() -> int:
        archive = read(sys.stdin.buffer if args.file == "-" else args.file)
        total = archive.weights.nbytes if isinstance(archive.weights, WeightMap) else 0
        with bar(total if args.hash else 0, "hashing", quiet=args.quiet) as update:
            name = "<stdin>" if args.file == "-" else args.file
            info = inspect_archive(archive, name, hash=args.hash, progress=update)
        emit(render(info, args.format))
        return 0

    return _guard(args.file, run)


def _diff(args: argparse.Namespace) -> int:
    from kformat._archive import WeightMap
    from kformat._diff import CATEGORIES, diff_archives
    from kformat._diff_render import render
    from kformat._progress import bar
    from kformat._read import read

    only = tuple(args.only or CATEGORIES)
    archives = []
    for name in (args.a, args.b):
        try:
            archives.append(read(name))
        except Exception as exc:
            code = _fail(name, exc)
            return 2 if code in (1, 2) else code
    a, b = archives
    total = a.weights.nbytes if isinstance(a.weights, WeightMap) and "weights" in only else 0
    with bar(total, "comparing", quiet=args.quiet) as update:
        result = diff_archives(
            a,
            b,
            args.a,
            args.b,
            only=only,
            weights_tolerance=args.weights_tolerance,
            progress=update,
        )
    emit(render(result, args.format))
    return 0 if result.same else 1


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _pair(text: str, what: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError(f"{what} takes KEY=VALUE, got {text!r}")
    return key, value


def _array(spec: str) -> Any:
    """``file.npy`` or ``file.npz:key`` (``allow_pickle=False``: no object arrays)."""
    import numpy as np

    path, _, key = spec.partition(":") if ".npz:" in spec else (spec, "", "")
    loaded = np.load(path, allow_pickle=False)
    if hasattr(loaded, "files"):
        with loaded:
            if not key:
                if len(loaded.files) != 1:
                    raise ValueError(
                        f"{path} holds {len(loaded.files)} arrays; name one: {path}:KEY"
                    )
                key = loaded.files[0]
            return loaded[key]
    return loaded


def _patch(args: argparse.Namespace) -> int:
    from kformat._patch import patch
    from kformat._progress import bar
    from kformat._read import read

    def run() -> int:
        renames = dict(_pair(t, "--rename-layer") for t in args.rename_layer)
        weights = {k: _array(v) for k, v in (_pair(t, "--set-weight") for t in args.set_weight)}
        meta = {k: _value(v) for k, v in (_pair(t, "--set-metadata") for t in args.set_metadata)}
        total = read(args.file).weights
        size = getattr(total, "nbytes", 0)
        with bar(size, "writing", quiet=args.quiet) as update:
            warnings = patch(
                args.file,
                args.output,
                rename_layers=renames,
                set_weights=weights,
                delete_weights=args.delete_weight,
                drop_optimizer=args.drop_optimizer,
                set_metadata=meta,
                layout=args.layout,
                max_shard_size=args.max_shard_size,
                config_from=args.config_from,
                progress=update,
            )
        if not args.quiet:
            for issue in warnings:
                print(
                    f"{clean(args.output, PATH_CHARS)}: warning {clean(str(issue), 400)}",
                    file=sys.stderr,
                )
        return 0

    return _guard(args.file, run)


def _plot(args: argparse.Namespace) -> int:
    from kformat._plot import plot

    def run() -> int:
        plot(
            args.file,
            args.output,
            fmt=args.format,
            show_shapes=not args.no_shapes,
            show_dtype=not args.no_dtype,
            expand_nested=args.expand_nested,
            rankdir=args.rankdir,
        )
        return 0

    return _guard(args.file, run)


def add_parsers(sub: Any) -> None:
    """Register ``inspect``, ``diff``, ``patch`` and ``plot`` on ``kformat``'s subparsers."""
    p = sub.add_parser(
        "inspect",
        help="what a .keras / directory / .weights.h5 / .weights.json holds",
        description="Metadata, writer and generation (with the evidence), a layer table, the "
        "weights manifest, custom objects, compile config and optimizer state of a Keras file, "
        "without running it; no weight byte is read unless --hash. - reads a .keras from stdin.",
    )
    p.add_argument("file")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--hash", action="store_true", help="sha256 of every array (reads all weights)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_inspect)

    d = sub.add_parser(
        "diff",
        help="compare two Keras files (exit 0 same, 1 different, 2 unreadable)",
        description="Config differences as JSON Pointers, layers added/removed/renamed, weight "
        "differences (shape, dtype, max abs/relative delta) and metadata differences.",
    )
    d.add_argument("a")
    d.add_argument("b")
    d.add_argument("--format", choices=("text", "json", "github"), default="text")
    d.add_argument(
        "--only",
        action="append",
        choices=("architecture", "compile", "weights", "metadata"),
        help="compare only this part (repeatable); default all",
    )
    d.add_argument("--weights-tolerance", type=float, default=0.0, metavar="ABS")
    d.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    d.set_defaults(func=_diff)

    e = sub.add_parser(
        "patch",
        help="edit or convert a Keras file; the result validates or nothing is written",
        description="Rename layers, replace (.npy / .npz:KEY) or delete weights, drop the "
        "optimizer state, set metadata keys, and convert or (re)shard by the output's name "
        "(*.keras, a directory, *.weights.h5, *.weights.json with --max-shard-size).",
    )
    e.add_argument("file")
    e.add_argument("-o", "--output", required=True)
    e.add_argument("--rename-layer", action="append", default=[], metavar="OLD=NEW")
    e.add_argument("--set-weight", action="append", default=[], metavar="PATH=FILE.npy")
    e.add_argument("--delete-weight", action="append", default=[], metavar="PATH")
    e.add_argument("--drop-optimizer", action="store_true")
    e.add_argument("--set-metadata", action="append", default=[], metavar="KEY=JSON")
    e.add_argument("--layout", choices=("keras", "directory", "weights_h5", "sharded"))
    e.add_argument("--max-shard-size", type=float, metavar="GIB")
    e.add_argument(
        "--config-from",
        metavar="MODEL",
        help="config and metadata from this .keras / directory (weights-only FILE -> .keras)",
    )
    e.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no warnings")
    e.set_defaults(func=_patch)

    g = sub.add_parser(
        "plot",
        help="draw the layer graph (.dot needs nothing; .svg/.png need Graphviz)",
        description="The layer graph like keras.utils.plot_model: name, class, output shape, "
        "dtype policy; nested models as one box or, with --expand-nested, a cluster.",
    )
    g.add_argument("file")
    g.add_argument("-o", "--output", required=True)
    g.add_argument("--format", choices=("dot", "svg", "png", "pdf"))
    g.add_argument("--expand-nested", action="store_true")
    g.add_argument("--no-shapes", action="store_true")
    g.add_argument("--no-dtype", action="store_true")
    g.add_argument("--rankdir", choices=("TB", "LR", "BT", "RL"), default="TB")
    g.set_defaults(func=_plot)
