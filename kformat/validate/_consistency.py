"""Config <-> weights consistency (spec/format.md §6.5-6.10; KF308, KF309, KF418, KF420-KF427).

The variables every object of the config owns are derived from the shared
tables — where (``kformat.weight_paths``, the H5 naming rule) and what
(``kformat.layer_specs``, names and shapes from the config and build shape) —
and compared with the HDF5 index, without reading a byte of weight data.
Keras itself fails the load with "Layer 'dense' expected 2 variables, but
received 1" or a shape mismatch; kformat names every such variable at once.

The H5 layout depends on the writer (Keras 3, 3.0.0-3.0.2, tf.keras 2.15+,
tf.keras 2.13-2.14): the layout of the version in metadata.json is tried
first and the one that explains most of the file wins, so a missing or wrong
``keras_version`` does not turn into a flood of findings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, get_args

import numpy as np

from kformat import layer_specs, weight_paths
from kformat._h5 import H5Index
from kformat._issues import Issue
from kformat._limits import Limits
from kformat._rules import RULES
from kformat.validate._derive import layer_spec, sequential_shapes, variable_dtype
from kformat.validate._graph import iter_models
from kformat.validate._optimizer import optimizer_issue
from kformat.validate._walk import Parts, ptr

__all__ = ["Expected", "consistency_issues", "expected_objects"]

_ITEMSIZE = 4  # bytes per implied variable element (float32) for KF308


@dataclasses.dataclass(frozen=True)
class Expected:
    """One object of the config that owns a ``vars`` group.

    Attributes:
        obj: where Keras keeps it (path, aliases, class, name).
        pointer: JSON pointer parts of its serialized entry (sub-layers: the parent's).
        variables: its variables in order, or ``None`` when kformat cannot know
            them (custom, unmodelled or quantized layers): its subtree is skipped.
        dtype: the variable dtype of its dtype policy (§5.8), when known.
        trainable: whether its trainable variables are trained (optimizer slots).
    """

    obj: weight_paths.ObjectPath
    pointer: Parts
    variables: tuple[layer_specs.VariableSpec, ...] | None
    dtype: str | None = None
    trainable: bool = True


def _issue(code: str, message: str, *, path: str, member: str | None = None) -> Issue:
    return Issue(code, RULES[code].severity, message, member=member, path=path)


def _fmt(shape: tuple[Any, ...]) -> str:
    inner = ", ".join("?" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def expected_objects(
    config: Mapping[str, Any],
    generation: weight_paths.Generation,
    limits: Limits,
    skip: frozenset[str] = frozenset(),
    pointers: Mapping[int, Parts] | None = None,
) -> tuple[list[Expected], list[Issue]]:
    """The objects of a model config and their variables, plus the config-only
    issues found on the way (KF308 sizes, KF309 inconsistent configs). Layers
    with an issue at or below a JSON pointer in ``skip`` are not derived."""
    if pointers is None:
        pointers = _pointers(config)
    issues: list[Issue] = []
    out: list[Expected] = []
    parents: dict[str, tuple[layer_specs.LayerSpec, Expected]] = {}
    total = 0
    followed = sequential_shapes(config)
    for obj in weight_paths.object_paths(config, generation):
        if obj.parent is not None:
            sub_expected, sub_spec = _sublayer(obj, parents.get(obj.parent))
            out.append(sub_expected)
            if sub_spec is not None:  # its own sub-layers (a Bidirectional's cells)
                parents[obj.path] = (sub_spec, sub_expected)
            continue
        parts = pointers.get(id(obj.config), ())
        inner = obj.config.get("config")
        inner = inner if isinstance(inner, Mapping) else {}
        dtype, quantized = variable_dtype(inner.get("dtype"))
        trainable = inner.get("trainable", True) is not False
        cls = obj.class_name
        if obj.path == "" or weight_paths.is_model_config(obj.config):
            out.append(Expected(obj, parts, (), dtype, trainable))
            continue
        where = ptr(parts)
        if not layer_specs.is_known(cls) or quantized or _under(skip, where):
            out.append(Expected(obj, parts, None))
            continue
        spec, why = layer_spec(obj.config, cls, followed.get(id(obj.config)))
        if why is not None:
            issues.append(
                _issue("KF309", f"layer {obj.name!r} ({cls}): {why}", path=ptr((*parts, "config")))
            )
        if spec is None:
            out.append(Expected(obj, parts, None))
            continue
        absurd = False
        for var in spec.variables:
            nbytes = _ITEMSIZE
            for d in var.shape:
                nbytes *= d or 1
            total += nbytes
            if nbytes > limits.max_dataset_bytes:
                absurd = True
                issues.append(
                    _issue(
                        "KF308",
                        f"layer {obj.name!r} ({cls}) implies {var.name} of shape {_fmt(var.shape)}, "
                        f"{nbytes} bytes, above the limit of {limits.max_dataset_bytes}",
                        path=ptr((*parts, "config")),
                    )
                )
        if absurd:  # its shapes say nothing useful about the file
            out.append(Expected(obj, parts, None))
            continue
        expected = Expected(obj, parts, spec.variables, dtype, trainable)
        parents[obj.path] = (spec, expected)
        out.append(expected)
    if total > limits.max_total_bytes:
        issues.append(
            _issue(
                "KF308",
                f"the config implies {total} bytes of weights, above the limit of "
                f"{limits.max_total_bytes}",
                path="",
            )
        )
    return out, issues


def _pointers(config: Any) -> dict[int, Parts]:
    """JSON pointer parts of the model root and of every layer entry, by id()."""
    out: dict[int, Parts] = {id(config): ()}
    for parts, model in iter_models(config):
        for i, entry in enumerate(model["config"]["layers"]):
            out[id(entry)] = (*parts, "config", "layers", i)
    return out


def _sublayer(
    obj: weight_paths.ObjectPath, parent: tuple[layer_specs.LayerSpec, Expected] | None
) -> tuple[Expected, layer_specs.LayerSpec | None]:
    if parent is None:
        return Expected(obj, (), None), None
    spec, owner = parent
    sub = next((s for s in spec.sublayers if obj.attr in (s.attr, s.legacy_attr)), None)
    variables: tuple[layer_specs.VariableSpec, ...] | None = None
    own: layer_specs.LayerSpec | None = None
    if sub is not None and not sub.weighted:
        variables = ()
    elif sub is not None and sub.variables is not None:
        variables = sub.variables
    elif sub is not None and sub.input_shape is not None:
        try:
            own = layer_specs.layer_spec(sub.class_name, sub.config, sub.input_shape)
            variables = own.variables
        except (ValueError, KeyError, TypeError, IndexError):
            variables = None
    expected = Expected(obj, owner.pointer, variables, owner.dtype, owner.trainable)
    return expected, own


def _under(prefixes: frozenset[str] | set[str], path: str) -> bool:
    """Whether some path in ``prefixes`` is ``path`` or lies below it."""
    return any(p == path or p.startswith(path.rstrip("/") + "/") for p in prefixes)


def _held(index: H5Index) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path, info in index.datasets.items():
        group, _, name = path.rpartition("/")
        out.setdefault(group or "/", {})[name] = info
    return out


def _candidates(obj: weight_paths.ObjectPath) -> list[str]:
    return [obj.vars, *(weight_paths.vars_path(a) for a in obj.aliases)]


def _present(path: str, held: Mapping[str, Any], index: H5Index) -> bool:
    return path in held or path in index.groups


def consistency_issues(
    config: Mapping[str, Any],
    index: H5Index,
    *,
    member: str,
    version: str | None,
    limits: Limits,
    explained: set[str],
    skip_config: set[str] | frozenset[str] = frozenset(),
    skip_h5: set[str] | frozenset[str] = frozenset(),
) -> Iterator[Issue]:
    """Every config-vs-weights issue of a model whose config and weights both
    parsed. Unmarked opaque datasets whose config says they hold bfloat16 are
    added to ``explained`` (no KF418 for them). Layers with config findings at
    or below a pointer of ``skip_config``, and objects whose HDF5 subtree holds
    an object the walk rejected (``skip_h5``), are not compared (no cascades)."""
    first = weight_paths.generation_from_version(version)
    held = _held(index)
    best: tuple[int, weight_paths.Generation, list[Expected], list[Issue]] | None = None
    pointers = _pointers(config)
    for gen in [first, *(g for g in get_args(weight_paths.Generation) if g != first)]:
        try:
            expected, config_issues = expected_objects(
                config, gen, limits, frozenset(skip_config), pointers
            )
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return  # the naming rule does not apply to this config (schema-level faults)
        wanted = [e for e in expected if e.variables]
        score = sum(1 for e in wanted if any(_present(c, held, index) for c in _candidates(e.obj)))
        if best is None or score > best[0]:
            best = (score, gen, expected, config_issues)
        if score == len(wanted):
            break  # every object found: no other layout can explain more
    assert best is not None
    _, generation, expected, config_issues = best
    for issue in config_issues:
        yield issue.at(member="config.json")
    claimed: dict[str, Expected] = {}
    skipped: list[str] = ["/optimizer"]
    if generation in ("keras2", "keras2.13"):
        skipped.append("/metrics")  # Keras 2 saves metric state; Keras 3 never reads it
    for e in expected:
        candidates = _candidates(e.obj)
        found = next((c for c in candidates if _present(c, held, index)), None)
        if e.variables is not None and any(
            _under(skip_h5, c.removesuffix("/vars"))
            or any(c.startswith(p.rstrip("/") + "/") for p in skip_h5)
            for c in candidates
            if c != "/vars"
        ):
            e = dataclasses.replace(e, variables=None)
        if e.variables is None:
            skipped.extend(c.removesuffix("/vars") for c in candidates)
            continue
        if found is None:
            if e.variables:
                yield _issue(
                    "KF420",
                    f"layer {e.obj.name!r} ({e.obj.class_name}) has no weights group {e.obj.vars}; "
                    f"expected {', '.join(f'{v.name} {_fmt(v.shape)}' for v in e.variables)}",
                    member=member,
                    path=e.obj.vars,
                )
            continue
        claimed[found] = e
        yield from _compare(e, found, held.get(found, {}), index, member, explained)
    yield from _unreached(index, claimed, skipped, member, skip_h5)
    opt = optimizer_issue(config, expected, index, generation, member=member)
    if opt is not None:
        yield opt


def _compare(
    e: Expected,
    group: str,
    datasets: Mapping[str, Any],
    index: H5Index,
    member: str,
    explained: set[str],
) -> Iterator[Issue]:
    assert e.variables is not None
    who = f"layer {e.obj.name!r} ({e.obj.class_name})"
    name = index.groups.get(group, {}).get("name")
    # A sub-layer's name is not in the config: Keras makes it unique per session
    # ("query", then "query_1" in a second MultiHeadAttention), so only names the
    # config states are compared.
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    # The attribute comes from the file: an array or number is not a name, and
    # comparing an array with ``!=`` gives an array, not a truth value.
    if name is not None and e.obj.parent is None and e.obj.name:
        if not isinstance(name, str):
            yield _issue(
                "KF425",
                f"vars group's name attribute is a {type(name).__name__}, not a string; the "
                f"config names this object {e.obj.name[:80]!r}",
                member=member,
                path=group,
            )
        elif name != e.obj.name:
            yield _issue(
                "KF425",
                f"vars group is named {name[:80]!r}, but the config names this object "
                f"{e.obj.name[:80]!r}",
                member=member,
                path=group,
            )
    for i, var in enumerate(e.variables):
        key = var.key or str(i)  # a variable Keras saves by name (spec §6.8)
        path = f"{group}/{key}"
        info = datasets.get(key)
        if info is None:
            yield _issue(
                "KF420",
                f"{who} expects variable {i} ({var.name} {_fmt(var.shape)}), which is missing",
                member=member,
                path=path,
            )
            continue
        shape = tuple(info.shape)
        if len(shape) != len(var.shape) or any(
            d is not None and d != s for d, s in zip(var.shape, shape, strict=False)
        ):
            yield _issue(
                "KF422",
                f"{var.name} of {who} has shape {_fmt(shape)}, expected {_fmt(var.shape)} "
                "from its config and input shape",
                member=member,
                path=path,
            )
        yield from _dtype(e, var, info, path, member, explained)
    owned = {var.key or str(i) for i, var in enumerate(e.variables)}
    for key in sorted(set(datasets) - owned, key=lambda n: (len(n), n)):
        yield _issue(
            "KF421",
            f"{who} owns {len(e.variables)} variable{'s' if len(e.variables) != 1 else ''}"
            f" ({', '.join(v.name for v in e.variables) or 'none'}), but the file has dataset "
            f"{key!r}",
            member=member,
            path=f"{group}/{key}",
        )


def _dtype(
    e: Expected,
    var: layer_specs.VariableSpec,
    info: Any,
    path: str,
    member: str,
    explained: set[str],
) -> Iterator[Issue]:
    dtype: np.dtype[Any] = info.dtype
    if var.dtype is not None:  # a fixed dtype (Normalization's int32 count), not the policy's
        fixed = _extended(var.dtype)
        if fixed is None or dtype.name == var.dtype:
            return
        if dtype.kind in "iu" and fixed.kind in "iu":
            return  # tf_keras writes int64 counters; Keras casts integers on load
        yield _issue(
            "KF427",
            f"{var.name} is stored as {dtype.name}, but Keras creates it as {var.dtype}",
            member=member,
            path=path,
        )
        return
    if dtype.type is np.void and dtype.fields is None:
        if e.dtype is not None and np.dtype(_extended(e.dtype)).itemsize == dtype.itemsize:
            explained.add(path)
        return
    if e.dtype is not None and dtype.name != e.dtype and _extended(e.dtype) is not None:
        yield _issue(
            "KF427",
            f"{var.name} is stored as {dtype.name}, but the layer's dtype policy makes it "
            f"{e.dtype} (Keras casts on load)",
            member=member,
            path=path,
        )


def _extended(name: str) -> Any:
    try:
        return np.dtype(name) if name != "bfloat16" else np.dtype("V2")
    except TypeError:
        return None


def _unreached(
    index: H5Index,
    claimed: Mapping[str, Expected],
    skipped: list[str],
    member: str,
    rejected: set[str] | frozenset[str],
) -> Iterator[Issue]:
    """KF423 once per top-most group or dataset nothing maps to; KF421 for
    sub-groups of a claimed ``vars`` group."""
    reached: set[str] = {"/"}
    for group in claimed:
        parts = group.split("/")
        reached.update("/".join(parts[:i]) or "/" for i in range(1, len(parts) + 1))

    def under(path: str, prefixes: list[str] | set[str]) -> bool:
        return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)

    reported: list[str] = []
    for path in sorted({*index.groups, *index.datasets}):
        if path in reached or under(path, skipped) or under(path, reported):
            continue
        if _under(rejected, path):
            continue  # holds an object the walk rejected: reported there
        parent = path.rsplit("/", 1)[0] or "/"
        if parent in claimed:
            if path in index.groups:
                reported.append(path)
                yield _issue(
                    "KF421",
                    "a vars group holds datasets only, not sub-groups",
                    member=member,
                    path=path,
                )
            continue  # datasets of claimed groups were compared already
        reported.append(path)
        yield _issue(
            "KF423",
            "no object of the config maps to this path; Keras never reads it",
            member=member,
            path=path,
        )
