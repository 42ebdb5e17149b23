"""Regenerate conformance/valid/, conformance/invalid/ and conformance/runtime/.

    python conformance/recipes/make_cases.py [--out conformance] [-k SUBSTRING]

One folder per case with its file(s) and a ``case.json`` (spec/schemas/case.schema.json;
conformance/README.md explains the format). Output is deterministic: fixed seeds
(CRC-32 of the case name), fixed ``date_saved``, fixed zip timestamps, kformat's
byte-deterministic writer, and expected outputs computed in float64 and rounded to float32.
The same Python, NumPy, h5py/HDF5 versions give byte-identical files;
tests/conformance/test_recipes.py regenerates into a temporary folder and compares.

Runtime cases need ``reference_runtime`` (this repository) to build the models and compute
the outputs; nothing here needs Keras.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from conf_kit import CaseDef, write_case  # noqa: E402

KINDS = ("valid", "invalid", "runtime")


def all_cases() -> list[CaseDef]:
    import conf_invalid
    import conf_models
    import conf_valid
    from conf_layouts import runtime_variants
    from conf_runtime import make_runtime_case

    cases = [make_runtime_case(name, desc, fn) for name, (desc, fn) in conf_models.MODELS.items()]
    cases += runtime_variants()
    cases += conf_valid.cases()
    cases += conf_invalid.cases()
    rels = [c.rel for c in cases]
    dupes = sorted({r for r in rels if rels.count(r) > 1})
    assert not dupes, f"duplicate cases: {dupes}"
    return sorted(cases, key=lambda c: c.rel)


def environment() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "h5py": h5py.version.version,
        "hdf5": h5py.version.hdf5_version,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ROOT / "conformance")
    parser.add_argument("-k", dest="only", help="only cases whose folder contains this")
    args = parser.parse_args(argv)
    cases = all_cases()
    if args.only:
        cases = [c for c in cases if args.only in c.rel]
    else:
        keep = {c.rel for c in cases}
        for kind in KINDS:
            for folder in sorted(
                (args.out / kind).glob("*/case.json" if kind == "runtime" else "*/*/case.json")
            ):
                rel = folder.parent.relative_to(args.out).as_posix()
                if rel not in keep:
                    shutil.rmtree(folder.parent)
    for case in cases:
        write_case(case, args.out)
    if not args.only:
        index = {
            "generator": "conformance/recipes/make_cases.py",
            "environment": environment(),
            "cases": {
                c.rel: {
                    "description": c.description,
                    "codes": sorted({i["code"] for i in c.case_json()["expect"]["issues"]}),
                }
                for c in cases
            },
        }
        (args.out / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(cases)} cases to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
