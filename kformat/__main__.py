"""The ``kformat`` command: ``kformat info FILE`` (and ``kformat validate FILE...``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from kformat._read import read
from kformat.errors import KFormatError

__all__ = ["main"]


def _layers(config: dict[str, Any]) -> list[tuple[str, str]]:
    inner = config.get("config")
    layers = inner.get("layers") if isinstance(inner, dict) else None
    out = []
    for entry in layers if isinstance(layers, list) else []:
        if isinstance(entry, dict):
            cfg = entry.get("config")
            name = entry.get("name") or (cfg.get("name") if isinstance(cfg, dict) else None)
            out.append((str(name), str(entry.get("class_name"))))
    return out


def _info(args: argparse.Namespace) -> int:
    try:
        archive = read(args.file)
    except KFormatError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    weights = archive.weights
    nbytes = sum(weights[p].nbytes for p in weights) if weights else 0
    summary: dict[str, Any] = {
        "file": str(args.file),
        "layout": archive.layout,
        "metadata": archive.metadata,
        "class_name": archive.config.get("class_name") if archive.config else None,
        "layers": [{"name": n, "class_name": c} for n, c in _layers(archive.config or {})],
        "weights": [
            {"path": p, "shape": list(weights[p].shape), "dtype": str(weights[p].dtype)}
            for p in weights
        ],
        "weight_bytes": nbytes,
        "assets": sorted(archive.assets),
    }
    if args.format == "json":
        print(json.dumps(summary, indent=2))
        return 0
    print(f"{args.file}: {archive.layout} layout, {summary['class_name'] or 'weights only'}")
    if archive.metadata:
        print(
            f"  written by Keras {archive.metadata.get('keras_version')} on {archive.metadata.get('date_saved')}"
        )
    for layer in summary["layers"]:
        print(f"  layer {layer['name']} ({layer['class_name']})")
    for w in summary["weights"]:
        print(f"  {w['path']}  {tuple(w['shape'])}  {w['dtype']}")
    print(f"  {len(weights)} arrays, {nbytes} bytes of weights, {len(archive.assets)} assets")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 invalid, 2 usage/I-O)."""
    parser = argparse.ArgumentParser(prog="kformat", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="summarise a .keras / .weights.h5 / .weights.json file")
    info.add_argument("file")
    info.add_argument("--format", choices=("text", "json"), default="text")
    info.set_defaults(func=_info)
    from kformat.validate._cli import add_parser as add_validate

    add_validate(sub)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
