"""The kit of the hostile-case modules (see hostile_cases.py): the ``Case`` record and its
registry (``@case``), the base model and weights every case breaks, and byte-level helpers.

Every ``hostile_*`` module imports from here and nothing else of the recipes; make_hostile.py
imports the cases (through hostile_cases.py) and writes them.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import marshal
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import h5py
import numpy as np

EPOCH = (1980, 1, 1, 0, 0, 0)
META = {"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}
CANARY_DIR = "/tmp"


def canary(kind: str) -> str:
    """The file a payload of ``kind`` would create if it ever ran."""
    return f"{CANARY_DIR}/kformat-canary-{kind}"


@dataclass
class Symlink:
    """A symbolic link to write instead of a file."""

    target: str


@dataclass
class Case:
    """One hostile case: its files and what a validator must report."""

    name: str
    fault: str
    expect: list[dict[str, Any]]
    files: dict[str, bytes | Symlink]
    source: str = "model.keras"
    advisory: str | None = None
    limits: dict[str, int] = field(default_factory=dict)


CASES: list[Callable[[], Case]] = []


def case(fn: Callable[[], Case]) -> Callable[[], Case]:
    CASES.append(fn)
    return fn


def expect(code: str, member: str | None = None, path: str | None = None) -> dict[str, Any]:
    return {"code": code, "member": member, "path": path}


# --------------------------------------------------------------------------- base model


def policy() -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": "float32"},
        "registered_name": None,
    }


def dense(name: str, units: int, input_dim: int, **extra: Any) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": policy(),
            "units": units,
            "activation": "relu",
            "use_bias": True,
            **extra,
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, input_dim]},
    }


def input_layer(name: str, dim: int) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": {
            "batch_shape": [None, dim],
            "dtype": "float32",
            "sparse": False,
            "ragged": False,
            "name": name,
            "optional": False,
        },
        "registered_name": None,
    }


def sequential_config(*layers: dict[str, Any]) -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "trainable": True,
            "dtype": policy(),
            "layers": [input_layer("input_layer", 4), *layers],
            "build_input_shape": [None, 4],
        },
        "registered_name": None,
        "build_config": {"input_shape": [None, 4]},
        "compile_config": {},
    }


def base_config() -> dict[str, Any]:
    """Sequential: Input(4) -> Dense(3) -> Dropout -> Dense(2)."""
    dropout = {
        "module": "keras.layers",
        "class_name": "Dropout",
        "config": {
            "name": "dropout",
            "trainable": True,
            "dtype": policy(),
            "rate": 0.5,
            "seed": None,
            "noise_shape": None,
        },
        "registered_name": None,
    }
    return sequential_config(dense("dense", 3, 4), dropout, dense("dense_1", 2, 3))


def ktensor(layer: str, node: int = 0, tensor: int = 0, dim: int = 4) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {
            "shape": [None, dim],
            "dtype": "float32",
            "keras_history": [layer, node, tensor],
        },
    }


def functional_config() -> dict[str, Any]:
    """Functional: x = Input(4); h = Dense(4)(x); out = Dense(2)(h)."""
    x = input_layer("x", 4) | {"name": "x", "inbound_nodes": []}
    h = dense("h", 4, 4) | {"name": "h", "inbound_nodes": [{"args": [ktensor("x")], "kwargs": {}}]}
    out = dense("out", 2, 4) | {
        "name": "out",
        "inbound_nodes": [{"args": [ktensor("h")], "kwargs": {}}],
    }
    return {
        "module": "keras.src.models.functional",
        "class_name": "Functional",
        "config": {
            "name": "functional",
            "trainable": True,
            "layers": [x, h, out],
            "input_layers": ["x", 0, 0],
            "output_layers": ["out", 0, 0],
        },
        "registered_name": "Functional",
        "build_config": {"input_shape": None},
        "compile_config": {},
    }


def _write_h5(build: Callable[[h5py.File], None]) -> bytes:
    buf = io.BytesIO()
    with h5py.File(buf, "w", track_order=False) as f:
        build(f)
    return buf.getvalue()


def base_weights(
    extra: Callable[[h5py.File], None] | None = None,
    skip: tuple[str, ...] = (),
    functional: bool = False,
) -> bytes:
    """The weights of :func:`base_config` (or :func:`functional_config`)."""
    rng = np.random.default_rng(0)
    if functional:
        tensors = {
            "/layers/dense/vars/0": (4, 4),
            "/layers/dense/vars/1": (4,),
            "/layers/dense_1/vars/0": (4, 2),
            "/layers/dense_1/vars/1": (2,),
        }
        groups = {
            "/layers/input_layer/vars": "x",
            "/layers/dense/vars": "h",
            "/layers/dense_1/vars": "out",
            "/vars": "functional",
        }
    else:
        tensors = {
            "/layers/dense/vars/0": (4, 3),
            "/layers/dense/vars/1": (3,),
            "/layers/dense_1/vars/0": (3, 2),
            "/layers/dense_1/vars/1": (2,),
        }
        groups = {
            "/layers/dense/vars": "dense",
            "/layers/dropout/vars": "dropout",
            "/layers/dense_1/vars": "dense_1",
            "/vars": "sequential",
        }

    def build(f: h5py.File) -> None:
        for gpath, name in sorted(groups.items()):
            f.require_group(gpath).attrs["name"] = name
        for dpath, shape in sorted(tensors.items()):
            if dpath not in skip:
                f.create_dataset(dpath, data=rng.standard_normal(shape).astype("float32"))
        if extra is not None:
            extra(f)

    return _write_h5(build)


def cfg_bytes(config: Any) -> bytes:
    return json.dumps(config).encode("ascii")


def zip_bytes(
    members: list[tuple[str, bytes]],
    *,
    method: int = zipfile.ZIP_STORED,
    modes: dict[str, int] | None = None,
) -> bytes:
    """A deterministic zip: fixed timestamps, mode 0600 unless ``modes`` says otherwise."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.compress_type = method
            info.create_system = 3
            info.external_attr = (modes or {}).get(name, 0o100600) << 16
            zf.writestr(info, data)
    return buf.getvalue()


def keras_zip(
    config: Any = None,
    weights: bytes | None = None,
    *,
    extra: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    drop: tuple[str, ...] = (),
    modes: dict[str, int] | None = None,
    method: int = zipfile.ZIP_STORED,
    metadata: Any = META,
) -> bytes:
    members = [
        ("metadata.json", cfg_bytes(metadata) if not isinstance(metadata, bytes) else metadata),
        (
            "config.json",
            config
            if isinstance(config, bytes)
            else cfg_bytes(base_config() if config is None else config),
        ),
        ("model.weights.h5", base_weights() if weights is None else weights),
    ]
    members = [m for m in members if m[0] not in drop] + list(extra)
    return zip_bytes(members, method=method, modes=modes)


def patch(data: bytes, old: bytes, new: bytes, count: int = 1) -> bytes:
    assert data.count(old) >= count, old
    return data.replace(old, new, count)


def central_entry(data: bytes, name: bytes) -> int:
    """Offset of the central-directory entry of ``name``."""
    pos = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    assert pos >= 0
    return pos


def set_central(data: bytes, name: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite a field of a central-directory entry (offset from the entry start)."""
    out = bytearray(data)
    struct.pack_into(fmt, out, central_entry(data, name) + offset, value)
    return bytes(out)


def lambda_payload(kind: str) -> str:
    """base64 of the marshalled code of a lambda that would create the canary file,
    as Keras' ``func_dump`` writes it (canary). Compiled, never called."""
    source = f"lambda x: open({canary(kind)!r}, 'w').close() or x"
    module = compile(source, "<kformat-hostile>", "eval")
    code = next(c for c in module.co_consts if hasattr(c, "co_code"))
    return base64.b64encode(marshal.dumps(code)).decode("ascii")


def pickle_payload(kind: str) -> bytes:
    """A protocol-0 pickle calling os.system (canary); written by hand, never loaded."""
    return f"cos\nsystem\n(S'touch {canary(kind)}'\ntR.".encode("ascii")


def with_layer(config: dict[str, Any], layer: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(config)
    out["config"]["layers"].append(layer)
    return out


def set_path(config: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(config)
    node: Any = out
    parts = path.strip("/").split("/")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return out


# --------------------------------------------------------------------------- case helpers

ZIP_NOTES = "spec §14.4: zip path traversal / absolute / backslash / symlink members"
BOMB_NOTES = "keras-team/keras#23010, #23101 (zip decompression bombs)"
JSON_NOTES = "spec §14.4: JSON recursion bombs, huge configs, non-UTF-8, duplicate keys"
GRAPH_NOTES = "spec §14.4: cyclic or dangling inbound_nodes"
W = "model.weights.h5"
C = "config.json"


def simple(
    name: str,
    fault: str,
    data: bytes,
    *expects: dict[str, Any],
    advisory: str | None = None,
    limits: dict[str, int] | None = None,
) -> Case:
    return Case(
        name, fault, list(expects), {"model.keras": data}, advisory=advisory, limits=limits or {}
    )


def _config_case(
    name: str,
    fault: str,
    config: bytes,
    *expects: dict[str, Any],
    advisory: str | None = JSON_NOTES,
    limits: dict[str, int] | None = None,
) -> Case:
    return simple(name, fault, keras_zip(config=config), *expects, advisory=advisory, limits=limits)


def _weights_case(
    name: str,
    fault: str,
    weights: bytes,
    *expects: dict[str, Any],
    advisory: str | None = None,
    limits: dict[str, int] | None = None,
) -> Case:
    return simple(
        name, fault, keras_zip(weights=weights), *expects, advisory=advisory, limits=limits
    )


def _extra(build: Any) -> bytes:
    return base_weights(extra=build)
