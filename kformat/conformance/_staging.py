"""Private copies: what an adapter gets for one case, and nothing more.

A case folder holds the answers beside the file (``case.json``, ``outputs.npz``, a
writer case's ``weights.npz``). An adapter handed a path inside the corpus could read
them, so every case runs on a copy in a fresh temporary directory:

* ``model/`` holds the file under test alone — the ``.keras`` file, the model directory
  (copied as it is, links included: hostile directories are part of the test), the
  ``.weights.h5`` file, or the ``.weights.json`` index with the shards it names;
* ``io/`` holds what the adapter reads besides it (the architecture file, the inputs,
  the limits) and where it writes its outputs.

Nothing of the case's expectations is copied.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

from kformat.conformance._cases import Case

__all__ = ["Staged", "shard_names", "stage"]

#: Shard names are plain file names; anything else in an index is the reader's problem
#: (the case tests it), so it is not copied.
_MAX_INDEX_BYTES = 1 << 20


@dataclasses.dataclass(frozen=True)
class Staged:
    """Paths of one case's private copy."""

    source: Path
    architecture: Path | None
    inputs: Path | None
    outputs: Path
    limits: Path | None


def shard_names(index: Path) -> list[str]:
    """The plain file names an index's ``weight_map`` lists (beside the index)."""
    try:
        if index.stat().st_size > _MAX_INDEX_BYTES:
            return []
        doc = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    names: set[str] = set()
    weight_map = doc.get("weight_map") if isinstance(doc, dict) else None
    if isinstance(weight_map, dict):
        for value in weight_map.values():
            for name in value if isinstance(value, list) else [value]:
                if isinstance(name, str) and name and "/" not in name and "\\" not in name:
                    names.add(name)
    return sorted(names)


def _copy_source(source: Path, into: Path) -> Path:
    target = into / source.name
    if source.is_symlink() or not source.is_dir():
        shutil.copy2(source, target, follow_symlinks=False)
    else:
        shutil.copytree(source, target, symlinks=True)
    if source.name.endswith(".weights.json"):
        for name in shard_names(source):
            shard = source.parent / name
            # A link stays a link (hostile cases link shards elsewhere): never follow it.
            if (shard.is_symlink() or shard.is_file()) and name != source.name:
                shutil.copy2(shard, into / name, follow_symlinks=False)
    return target


def stage(case: Case, tmp: Path, *, inputs: bool) -> Staged:
    """Copy what ``case`` hands an adapter into ``tmp`` (an empty directory)."""
    model, io = tmp / "model", tmp / "io"
    model.mkdir()
    io.mkdir()
    source = _copy_source(case.source, model)
    architecture = None
    if case.architecture is not None:
        architecture = io / case.architecture.name
        shutil.copy2(case.architecture, architecture)
    limits = None
    if case.limits:
        limits = io / "limits.json"
        limits.write_text(json.dumps(dict(case.limits), sort_keys=True), encoding="utf-8")
    staged_inputs = None
    if inputs and case.runtime is not None:
        staged_inputs = io / "inputs.npz"
        shutil.copy2(case.runtime.inputs, staged_inputs)
    return Staged(source, architecture, staged_inputs, io / "outputs.npz", limits)
