"""``python -m reference_runtime.export MODEL.keras OUT_DIR``: write a SavedModel.

Exit status: 0 written, 1 the model cannot be exported (unsupported layer,
invalid file), 2 usage or I/O error (argparse, missing file, no TensorFlow).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m reference_runtime.export",
        description="Export a .keras model as a TensorFlow SavedModel (serve endpoint) "
        "computed with TensorFlow ops, without Keras.",
    )
    parser.add_argument("model", help="a .keras file or an unzipped model directory")
    parser.add_argument("out_dir", help="the SavedModel directory to write")
    parser.add_argument(
        "--weights", help="weights file (.weights.h5 / .weights.json) to load into the model"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="do not print the endpoints")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from kformat.errors import KFormatError

    try:
        from reference_runtime.export import export_saved_model, import_tensorflow

        import_tensorflow()
        from reference_runtime.saving import load_model

        model = load_model(args.model, compile=False)
        if args.weights:
            model.load_weights(args.weights)
        export_saved_model(model, args.out_dir, verbose=not args.quiet)
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (KFormatError, ValueError) as exc:
        print(f"error: {args.model}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
