"""``KerasArchive``, its lazily mapped weights and its lazily read assets (spec §1.1, §2.7, §10.2)."""

from __future__ import annotations

import dataclasses
import mmap
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal, NamedTuple

import numpy as np

from kformat._h5 import DatasetInfo, H5Index
from kformat._io import Buffer, release_pages

__all__ = ["AssetMap", "KerasArchive", "Layout", "WeightInfo", "WeightMap"]

Layout = Literal["keras", "directory", "weights_h5", "sharded"]
LAYOUTS: tuple[str, ...] = ("keras", "directory", "weights_h5", "sharded")


class WeightInfo(NamedTuple):
    """Shape and dtype of one weight, known without reading its bytes."""

    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    nbytes: int


@dataclasses.dataclass(frozen=True)
class _Source:
    """Where one dataset's bytes are: a buffer and the HDF5 image's start in it."""

    buf: Buffer
    base: int
    info: DatasetInfo
    loaded: np.ndarray[Any, Any] | None = None  # data read eagerly (not contiguous)


class WeightMap(Mapping[str, "np.ndarray[Any, Any]"]):
    """Read-only mapping from absolute HDF5 dataset path to a NumPy array.

    Contiguous datasets are views straight into the mapped file (no copy, no
    read until the data is touched); the rest were read once when the archive
    was opened. Every array is read-only. Iteration is in sorted path order.
    """

    def __init__(self, sources: Mapping[str, _Source]) -> None:
        self._sources = dict(sorted(sources.items()))
        self._cache: dict[str, np.ndarray[Any, Any]] = {}

    def __getitem__(self, path: str) -> np.ndarray[Any, Any]:
        arr = self._cache.get(path)
        if arr is not None:
            return arr
        src = self._sources[path]
        if src.loaded is not None:
            arr = src.loaded
        else:
            info = src.info
            count = int(np.prod(info.shape, dtype=np.int64))
            if count == 0 or info.offset is None:
                arr = np.zeros(info.shape, dtype=info.dtype)
            else:
                arr = np.frombuffer(
                    src.buf, dtype=info.dtype, count=count, offset=src.base + info.offset
                ).reshape(info.shape)
            arr.flags.writeable = False
        self._cache[path] = arr
        return arr

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def __contains__(self, path: object) -> bool:
        return path in self._sources

    def info(self, path: str) -> WeightInfo:
        """Shape, dtype and size of ``path`` without touching its data."""
        i = self._sources[path].info
        return WeightInfo(i.shape, i.dtype, i.nbytes)

    def materialize(self) -> dict[str, np.ndarray[Any, Any]]:
        """Independent, writable in-memory copies of every weight.

        Each mapped range is released right after it is copied, so peak
        resident memory stays near the weight bytes (one copy), not two.
        """
        out: dict[str, np.ndarray[Any, Any]] = {}
        for path, src in self._sources.items():
            view = self[path]
            out[path] = np.array(view, copy=True)
            if isinstance(src.buf, mmap.mmap) and src.info.offset is not None and view.nbytes:
                release_pages(src.buf, src.base + src.info.offset, view.nbytes)
        return out

    @property
    def nbytes(self) -> int:
        """Total bytes of all weights."""
        return sum(s.info.nbytes for s in self._sources.values())

    def __repr__(self) -> str:
        return f"<WeightMap {len(self)} arrays, {self.nbytes} bytes>"


class AssetMap(Mapping[str, bytes]):
    """Read-only mapping from asset member name to bytes, read when a value is
    asked for (spec §2.7): opening an archive lists its assets but inflates
    none, so a file of many large assets costs nothing until they are used.

    Each access reads (and, for a zip member, inflates and CRC-checks) the
    asset again, nothing is cached; the first full read of each asset is
    charged to the archive's ``max_inflated_bytes`` budget. A corrupt asset
    raises ``KFormatError`` on access. Iteration is in sorted name order and
    equality with any mapping compares contents, like a dict.
    """

    def __init__(self, names: Iterable[str], load: Callable[[str], bytes]) -> None:
        self._names = sorted(names)
        self._known = frozenset(self._names)
        self._load = load

    def __getitem__(self, name: str) -> bytes:
        if name not in self._known:
            raise KeyError(name)
        return self._load(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._known

    def __repr__(self) -> str:
        return f"<AssetMap {len(self)} assets, read on access>"


def weight_map_from_index(
    index: H5Index, buf: Buffer, base: int, loaded: Mapping[str, np.ndarray[Any, Any]]
) -> dict[str, _Source]:
    """Sources for every dataset of one scanned HDF5 image inside ``buf``."""
    return {
        path: _Source(buf, base, info, loaded.get(path)) for path, info in index.datasets.items()
    }


@dataclasses.dataclass(frozen=True, eq=False)
class KerasArchive:
    """The decoded content of a ``.keras`` file (or another layout), as plain data.

    Attributes:
        config: ``config.json`` as a dict (``None`` for weights-only layouts).
        metadata: ``metadata.json`` as a dict (``None`` when absent).
        weights: absolute HDF5 dataset path (``/layers/dense/vars/0``) to a
            read-only NumPy array, dtype preserved (bfloat16 included).
        groups: every HDF5 group path (``/layers/dense/vars``) to its
            attributes (Keras writes ``{"name": <layer name>}`` on ``vars``
            groups); empty groups included, so a round trip loses nothing.
        assets: ``assets/...`` member name to bytes (from ``kformat.read``: an
            :class:`AssetMap` that reads each asset when it is accessed).
        layout: the layout it was read from: ``"keras"`` (zip),
            ``"directory"``, ``"weights_h5"`` or ``"sharded"``.
    """

    config: dict[str, Any] | None
    metadata: dict[str, Any] | None = None
    weights: Mapping[str, np.ndarray[Any, Any]] = dataclasses.field(default_factory=dict)
    groups: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    assets: Mapping[str, bytes] = dataclasses.field(default_factory=dict)
    layout: Layout = "keras"

    def __post_init__(self) -> None:
        if self.config is not None and not isinstance(self.config, dict):
            raise TypeError(f"config must be a dict or None, not {type(self.config).__name__}")
        if self.metadata is not None and not isinstance(self.metadata, dict):
            raise TypeError(f"metadata must be a dict or None, not {type(self.metadata).__name__}")
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, not {self.layout!r}")
        for path in self.weights:
            if not isinstance(path, str) or not path.startswith("/") or path.endswith("/"):
                raise ValueError(f"weight path must be an absolute HDF5 path, got {path!r}")
        for path in self.groups:
            if not isinstance(path, str) or not path.startswith("/"):
                raise ValueError(f"group path must be an absolute HDF5 path, got {path!r}")
        for name in self.assets:
            if not isinstance(name, str) or not name.startswith("assets/"):
                raise ValueError(f"asset names must start with 'assets/', got {name!r}")
        if not isinstance(self.assets, AssetMap):  # a reader's assets are bytes by construction
            for name, data in self.assets.items():
                if not isinstance(data, (bytes, bytearray, memoryview)):
                    raise TypeError(f"asset {name!r} must be bytes, not {type(data).__name__}")

    def __repr__(self) -> str:
        cls = None
        if self.config is not None:
            cls = self.config.get("class_name")
        return (
            f"KerasArchive(layout={self.layout!r}, class_name={cls!r}, "
            f"weights={len(self.weights)}, groups={len(self.groups)}, assets={len(self.assets)})"
        )
