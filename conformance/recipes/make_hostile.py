"""Regenerate conformance/hostile/: one hostile or broken file per folder, one fault each.

    python conformance/recipes/make_hostile.py [--out conformance/hostile]

Every case folder holds the file(s) and a ``case.json``::

    {"fault": "...", "advisory": "CVE-2024-3660" | null, "source": "model.keras",
     "expect": [{"code": "KF501", "member": "config.json", "path": "/config/..."}],
     "limits": {"max_asset_bytes": 1024}}   # optional Limits overrides

``expect`` lists the issues a validator MUST report (it may report more);
``source`` is what to hand to ``kformat.read`` / ``kformat.check``.
Output is deterministic for a given Python / h5py / HDF5 version: fixed zip
timestamps and modes, HDF5 written without timestamps, payloads built from
fixed text. Large "bombs" are declared, never materialised: every file is small.

Payloads marked *canary* would create ``/tmp/kformat-canary-<kind>`` if any
reader ever executed, unpickled or imported them; tests assert it never
happens. Nothing in this script executes a payload.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import h5py

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "conformance" / "hostile"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hostile_common import CASES, Case, Symlink  # noqa: E402

# --------------------------------------------------------------------------- writing


def write_case(c: Case, out: Path) -> None:
    folder = out / c.name
    if folder.exists() or folder.is_symlink():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for rel, content in sorted(c.files.items()):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Symlink):
            os.symlink(content.target, path)
        else:
            path.write_bytes(content)
    meta: dict[str, Any] = {
        "fault": c.fault,
        "advisory": c.advisory,
        "source": c.source,
        "expect": c.expect,
    }
    if c.limits:
        meta["limits"] = c.limits
    (folder / "case.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def generator() -> dict[str, str]:
    """What the bytes depend on besides this script (HDF5 layout, marshal format)."""
    return {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "h5py": h5py.version.version,
        "hdf5": h5py.version.hdf5_version,
    }


def build_all() -> list[Case]:
    import hostile_cases  # noqa: F401  (registers the cases through @case)

    cases = [make() for make in CASES]
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    return sorted(cases, key=lambda c: c.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    cases = build_all()
    args.out.mkdir(parents=True, exist_ok=True)
    keep = {c.name for c in cases}
    for stale in sorted(args.out.iterdir()):
        if stale.is_dir() and stale.name not in keep:
            shutil.rmtree(stale)
    for c in cases:
        write_case(c, args.out)
    index = {
        "generator": generator(),
        "cases": {
            c.name: {
                "fault": c.fault,
                "advisory": c.advisory,
                "codes": sorted({e["code"] for e in c.expect}),
            }
            for c in cases
        },
    }
    (args.out / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    print(f"wrote {len(cases)} cases to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
