"""Shared tools of make_cases.py: case records, deterministic files, decoded forms.

Everything here is deterministic: kformat writes byte-identical files for the same archive
(fixed ``date_saved``), zips are built with fixed timestamps and modes, HDF5 images are
written by h5py without timestamps, and every random number comes from a generator seeded
with the CRC-32 of the case name.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import h5py
import numpy as np

import kformat
from kformat.conformance import config_digest, weight_manifest

DATE = "2026-01-01@00:00:00"
META = {"keras_version": "3.15.1", "date_saved": DATE}
EPOCH = (1980, 1, 1, 0, 0, 0)
GENERATOR = "conformance/recipes/make_cases.py"
SCHEMA = "https://kformat.dev/schemas/case.schema.json"


def seed_of(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(seed_of(name))


@dataclasses.dataclass
class Symlink:
    """A symbolic link to create instead of a file."""

    target: str


@dataclasses.dataclass
class CaseDef:
    """One case: where it goes, its files and the rest of its ``case.json``."""

    kind: str  # valid | invalid | runtime
    area: str | None
    name: str
    description: str
    files: dict[str, bytes | Symlink]
    source: str
    layout: str
    doc: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def rel(self) -> str:
        return (
            f"runtime/{self.name}"
            if self.kind == "runtime"
            else f"{self.kind}/{self.area}/{self.name}"
        )

    def case_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "$schema": SCHEMA,
            "kind": self.kind,
            "description": self.description,
            "source": self.source,
            "layout": self.layout,
            "generator": GENERATOR,
        }
        doc.update(self.doc)
        doc.setdefault("expect", {"valid": True, "issues": []})
        return doc


def write_case(case: CaseDef, root: Path) -> None:
    folder = root / case.rel
    if folder.exists() or folder.is_symlink():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for rel, content in sorted(case.files.items()):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Symlink):
            path.symlink_to(content.target)
        else:
            path.write_bytes(content)
    text = json.dumps(case.case_json(), indent=2, sort_keys=True, ensure_ascii=True)
    (folder / "case.json").write_text(text + "\n", encoding="ascii")


# --------------------------------------------------------------------------- archives


def archive(
    config: dict[str, Any] | None,
    weights: Mapping[str, np.ndarray[Any, Any]],
    groups: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    metadata: dict[str, Any] | None = None,
    assets: Mapping[str, bytes] | None = None,
    layout: str = "keras",
) -> kformat.KerasArchive:
    return kformat.KerasArchive(
        config=config,
        metadata=dict(META) if metadata is None else metadata,
        weights=dict(weights),
        groups=dict(groups or {}),
        assets=dict(assets or {}),
        layout=layout,  # type: ignore[arg-type]
    )


def _written(write: Callable[[Path], None]) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="kfcase-") as tmp:
        base = Path(tmp) / "out"
        base.mkdir()
        write(base)
        return {
            p.relative_to(base).as_posix(): p.read_bytes()
            for p in sorted(base.rglob("*"))
            if p.is_file()
        }


def keras_bytes(arc: kformat.KerasArchive) -> bytes:
    """The ``.keras`` zip kformat writes for ``arc``."""
    return _written(lambda d: kformat.write(arc, d / "model.keras", layout="keras"))["model.keras"]


def layout_files(arc: kformat.KerasArchive, layout: str, **kw: Any) -> dict[str, bytes]:
    """Files of ``arc`` written in ``layout``: ``model.keras``, ``model/...``,
    ``model.weights.h5`` or ``model.weights.json`` plus its shards."""
    name = {
        "keras": "model.keras",
        "directory": "model",
        "weights_h5": "model.weights.h5",
        "sharded": "model.weights.json",
    }[layout]
    return _written(lambda d: kformat.write(arc, d / name, layout=layout, **kw))  # type: ignore[arg-type]


def source_name(layout: str) -> str:
    return {
        "keras": "model.keras",
        "directory": "model",
        "weights_h5": "model.weights.h5",
        "sharded": "model.weights.json",
    }[layout]


def decoded(arc: kformat.KerasArchive, layout: str) -> dict[str, Any]:
    """The decoded form of ``arc`` as written in ``layout`` (from the arrays themselves)."""
    members: list[str] | None = None
    if layout in ("keras", "directory"):
        members = sorted(
            ["config.json", "model.weights.h5", *arc.assets]
            + (["metadata.json"] if arc.metadata is not None else [])
        )
    config = arc.config if layout in ("keras", "directory") else None
    metadata = arc.metadata if layout in ("keras", "directory") else None
    return {
        "layout": layout,
        "members": members,
        "config_sha256": config_digest(config),
        "metadata": metadata,
        "weights": weight_manifest(arc.weights),
    }


def read_back(files: Mapping[str, bytes], source: str) -> kformat.KerasArchive:
    """Read files written by :func:`layout_files` (to check what was written)."""
    with tempfile.TemporaryDirectory(prefix="kfcase-") as tmp:
        for rel, data in files.items():
            p = Path(tmp) / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        arc = kformat.read(Path(tmp) / source)
        return dataclasses.replace(
            arc,
            weights=arc.weights.materialize()
            if hasattr(arc.weights, "materialize")
            else dict(arc.weights),
        )


def deep(value: Any) -> Any:
    return copy.deepcopy(value)


# --------------------------------------------------------------------------- raw zips and HDF5


def zip_bytes(
    members: list[tuple[str, bytes]],
    *,
    method: int = zipfile.ZIP_STORED,
    methods: Mapping[str, int] | None = None,
    modes: Mapping[str, int] | None = None,
    comment: bytes = b"",
) -> bytes:
    """A deterministic zip: 1980 timestamps, mode 0600, in the order given."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = (methods or {}).get(name, method)
            info.create_system = 3
            info.external_attr = (modes or {}).get(name, 0o100600) << 16
            zf.writestr(info, data)
        zf.comment = comment
    return buf.getvalue()


def zip_members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def h5_bytes(build: Callable[[h5py.File], None]) -> bytes:
    """An HDF5 image built by ``build`` (h5py defaults: no timestamps)."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        build(f)
    return buf.getvalue()


def h5_tree(
    weights: Mapping[str, np.ndarray[Any, Any]], groups: Mapping[str, Mapping[str, Any]]
) -> Callable[[h5py.File], None]:
    """A builder writing ``groups`` (with attributes) and ``weights`` like Keras does."""

    def build(f: h5py.File) -> None:
        for path in sorted(groups):
            g = f.require_group(path)
            for key, value in sorted(groups[path].items()):
                g.attrs[key] = value
        for path in sorted(weights):
            f.create_dataset(path, data=np.asarray(weights[path]))

    return build


def issue(
    code: str, member: str | None, path: str | None, severity: str = "error"
) -> dict[str, Any]:
    return {"code": code, "severity": severity, "member": member, "path": path}
