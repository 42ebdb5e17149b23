"""Sequential and Functional structure (spec/format.md §5.2-5.7, rules KF301-KF304, KF314-KF316).

Keras rebuilds a Functional model by replaying ``inbound_nodes`` in ``layers``
order and re-queueing nodes whose inputs are not built yet, failing with
"Invalid Functional model configuration" when nothing progresses
(keras-team/keras: keras/src/models/functional.py ``functional_from_config``).
These checks decide the same statically, for both node forms:

* Keras 3: ``{"args": [...], "kwargs": {...}}`` with ``__keras_tensor__``
  leaves whose ``keras_history`` is ``[layer, node, tensor]``;
* Keras 2 / tf.keras: a node is a list of ``[layer, node, tensor, kwargs]``
  entries (or a single such entry); tensors inside ``kwargs`` are
  ``[layer, node, tensor]`` lists; ``["_CONSTANT_VALUE", -1, value, kwargs]``
  is a constant (KF314: Keras 3 cannot load it).

Every model nested at any depth is checked the same way. Malformed shapes are
left to the schema (KF210): a check here only fires on data of the right types.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any

from kformat import layers as catalogue
from kformat._issues import Issue
from kformat._rules import RULES
from kformat.validate._walk import Parts, iter_nodes, ptr

__all__ = ["graph_issues", "is_functional", "iter_models"]

_MODELS = frozenset({"Functional", "Model", "Sequential"})
_FUNCTIONAL = frozenset({"Functional", "Model"})
_CONSTANT = "_CONSTANT_VALUE"
Ref = tuple[str, Any, Any]


def _issue(code: str, message: str, parts: Parts) -> Issue:
    return Issue(code, RULES[code].severity, message, path=ptr(parts))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _class(obj: Mapping[str, Any]) -> str | None:
    cls = obj.get("class_name")
    return cls if isinstance(cls, str) else None


def iter_models(config: Any) -> Iterator[tuple[Parts, Mapping[str, Any]]]:
    """Yield ``(parts, model)`` for the root and every nested Sequential /
    Functional entry of a ``layers`` list, outermost first."""
    stack: list[tuple[Parts, Any]] = [((), config)]
    while stack:
        parts, model = stack.pop()
        if not (isinstance(model, Mapping) and _class(model) in _MODELS):
            continue
        inner = model.get("config")
        if not isinstance(inner, Mapping) or not isinstance(inner.get("layers"), list):
            continue
        yield parts, model
        layers = inner["layers"]
        for i in reversed(range(len(layers))):
            stack.append(((*parts, "config", "layers", i), layers[i]))


def is_functional(model: Mapping[str, Any]) -> bool:
    """A Functional model config (spec §5.1), as opposed to a Sequential one."""
    inner = model.get("config")
    return (
        _class(model) in _FUNCTIONAL
        and isinstance(inner, Mapping)
        and ("input_layers" in inner or "output_layers" in inner)
    )


def _entry_name(entry: Mapping[str, Any], functional: bool) -> Any:
    cfg = entry.get("config")
    inner = cfg.get("name") if isinstance(cfg, Mapping) else None
    return entry.get("name", inner) if functional else inner


class _Layer:
    def __init__(self, index: int, entry: Mapping[str, Any], known: bool) -> None:
        self.index = index
        self.class_name = _class(entry)
        inner = entry.get("config")
        nodes = entry.get("inbound_nodes")
        self.nodes: list[Any] = nodes if isinstance(nodes, list) else []
        self.known = known or self.class_name in _MODELS
        self.nested = self.class_name in _MODELS
        # Keras 2 counts the built-in node of a nested model built on an
        # InputLayer: every nested Functional, a Sequential that starts with one.
        layers = inner.get("layers") if isinstance(inner, Mapping) else None
        first = layers[0] if isinstance(layers, list) and layers else None
        self.keras2_offset = self.class_name in _FUNCTIONAL or (
            self.class_name == "Sequential"
            and isinstance(first, Mapping)
            and first.get("class_name") == "InputLayer"
        )
        self.outputs: int | None = 1 if self.known else None
        definition = catalogue.get(self.class_name) if isinstance(self.class_name, str) else None
        if definition is not None and definition.config_outputs is not None:
            # The config may add outputs (a recurrent layer's return_state).
            self.outputs = definition.config_outputs(inner if isinstance(inner, Mapping) else {})
        if self.class_name in _FUNCTIONAL and isinstance(inner, Mapping):
            self.outputs = sum(1 for _ in _leaves(inner.get("output_layers"))) or None

    def outputs_of(self, node_index: int) -> int | None:
        definition = catalogue.get(self.class_name) if isinstance(self.class_name, str) else None
        if (
            definition is not None
            and definition.call_outputs is not None
            and 0 <= node_index < len(self.nodes)
        ):
            # Call arguments may add outputs (return_attention_scores=True).
            node = self.nodes[node_index]
            kwargs = {k: v for _, v, k in iter_nodes(node) if isinstance(k, str)}
            return definition.call_outputs(kwargs)
        return self.outputs


def _leaves(structure: Any) -> Iterator[tuple[Parts, list[Any]]]:
    """``[name, node, tensor]`` leaves of an input_layers/output_layers structure
    (functional.py ``map_tensors``: a list of length 3 starting with a string)."""
    for parts, node, _ in iter_nodes(structure):
        if isinstance(node, list) and len(node) == 3 and isinstance(node[0], str):
            yield parts, node


def _is_entry(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) in (3, 4)
        and isinstance(value[0], str)
        and not isinstance(value[1], (list, dict))
    )


def _node_refs(node: Any) -> Iterator[tuple[Parts, Ref, bool]]:
    """``(parts within the node, (layer, node, tensor), keras2)`` for every tensor a
    node consumes, in both node forms; constants give layer ``_CONSTANT_VALUE``."""
    if isinstance(node, Mapping) and ("args" in node or "kwargs" in node):  # Keras 3
        for parts, value, _ in iter_nodes(node):
            if isinstance(value, Mapping) and value.get("class_name") == "__keras_tensor__":
                cfg = value.get("config")
                hist = cfg.get("keras_history") if isinstance(cfg, Mapping) else None
                if isinstance(hist, list) and len(hist) == 3 and isinstance(hist[0], str):
                    yield (*parts, "config", "keras_history"), (hist[0], hist[1], hist[2]), False
        return
    # Keras 2: the first call argument's structure with entries as leaves (a bare
    # entry for TFOpLambda), tensor references [name, node, tensor] in kwargs.
    stack: list[tuple[Parts, Any]] = [((), node)]
    while stack:
        parts, value = stack.pop()
        if _is_entry(value):
            yield parts, (value[0], value[1], value[2]), True
            if len(value) == 4 and isinstance(value[3], Mapping):
                for kparts, leaf in _leaves(value[3]):
                    yield (*parts, 3, *kparts), (leaf[0], leaf[1], leaf[2]), True
        elif isinstance(value, list):
            stack.extend(((*parts, i), v) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, Mapping):
            stack.extend(((*parts, k), v) for k, v in reversed(list(value.items())))


def _layers(
    base: Parts, entries: list[Any], functional: bool, known: Callable[[Mapping[str, Any]], bool]
) -> Generator[Issue, None, dict[str, _Layer]]:
    layers: dict[str, _Layer] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue
        name = _entry_name(entry, functional)
        if not isinstance(name, str):
            continue
        if name in layers:
            where = (*base, i, "name") if functional else (*base, i, "config", "name")
            yield _issue(
                "KF302",
                f"layer name {name!r} is used by layers {layers[name].index} and {i}; "
                "names must be unique in a model",
                where,
            )
            continue
        layers[name] = _Layer(i, entry, known(entry))
    return layers


def _sequential_issues(
    parts: Parts, model: Mapping[str, Any], known: Callable[[Mapping[str, Any]], bool]
) -> Iterator[Issue]:
    entries = model["config"]["layers"]
    base = (*parts, "config", "layers")
    yield from _layers(base, entries, False, known)
    for i, entry in enumerate(entries):
        if i and isinstance(entry, Mapping) and entry.get("class_name") == "InputLayer":
            yield _issue(
                "KF316",
                "an InputLayer may only be the first layer of a Sequential model",
                (*base, i),
            )


def _functional_issues(
    parts: Parts, model: Mapping[str, Any], known: Callable[[Mapping[str, Any]], bool]
) -> Iterator[Issue]:
    inner = model["config"]
    base = (*parts, "config", "layers")
    layers = yield from _layers(base, inner["layers"], True, known)
    # Node dependency graph: (layer, node) -> nodes it consumes.
    deps: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for name, layer in layers.items():
        for n, node in enumerate(layer.nodes):
            key = (name, n)
            deps[key] = []
            for rparts, ref, keras2 in _node_refs(node):
                where = (*base, layer.index, "inbound_nodes", n, *rparts)
                if ref[0] == _CONSTANT:
                    yield _issue(
                        "KF314",
                        "tf.keras constant argument (_CONSTANT_VALUE): Keras 3 cannot load it",
                        where,
                    )
                    continue
                target = yield from _check_ref(layers, ref, where, keras2=keras2)
                if target is not None:
                    deps[key].append(target)
    yield from _cycles(layers, deps, base)
    keras2 = any(isinstance(node, list) for layer in layers.values() for node in layer.nodes)
    yield from _io_issues(parts, inner, layers, keras2)


def _io_issues(
    parts: Parts, inner: Mapping[str, Any], layers: Mapping[str, _Layer], keras2: bool
) -> Iterator[Issue]:
    for io_key in ("input_layers", "output_layers"):
        value = inner.get(io_key)
        leaves = list(_leaves(value))
        if value is not None and not leaves and io_key in inner:
            yield _issue(
                "KF315",
                f"{io_key} is empty: a model needs inputs and outputs",
                (*parts, "config", io_key),
            )
        for lparts, (ref, node_index, tensor_index) in leaves:
            where = (*parts, "config", io_key, *lparts)
            # A nested Functional counts its own node here (functional.py
            # get_tensor subtracts 1 again); everything else the plain index.
            yield from _check_ref(
                layers, (ref, node_index, tensor_index), where, keras2=keras2, io=True
            )
            if (
                io_key == "input_layers"
                and ref in layers
                and layers[ref].class_name != "InputLayer"
            ):
                yield _issue(
                    "KF315",
                    f"input_layers names {ref!r}[{node_index}][{tensor_index}]; model inputs "
                    "must be InputLayer outputs [name, 0, 0]",
                    where,
                )


def _check_ref(
    layers: Mapping[str, _Layer],
    ref: Ref,
    where: Parts,
    *,
    keras2: bool,
    io: bool = False,
) -> Generator[Issue, None, tuple[str, int] | None]:
    """Report an invalid reference (spec §5.6); return the node it names. The
    offset counts a nested model's built-in node: Keras 2 everywhere for models
    built on an InputLayer, Keras 3 only for a Functional in input/output_layers."""
    name, node_index, tensor_index = ref
    target = layers.get(name)
    if target is None:
        yield _issue("KF301", f"references layer {name!r}, which the model does not have", where)
        return None
    if not (_is_int(node_index) and _is_int(tensor_index)):
        return None  # the schema reports it
    if not target.known:
        return None  # an unknown layer: its nodes and outputs are not known (KF306/KF310)
    if keras2:
        offset = 1 if target.keras2_offset else 0
    else:
        offset = 1 if io and target.class_name in _FUNCTIONAL else 0
    count = max(len(target.nodes), 1) if target.class_name == "InputLayer" else len(target.nodes)
    real = node_index - offset
    if not 0 <= real < count:
        span = "it has no calls" if count == 0 else f"valid: {offset}..{count - 1 + offset}"
        yield _issue(
            "KF304", f"node index {node_index} of layer {name!r} is out of range ({span})", where
        )
        return None
    outputs = target.outputs_of(real)
    if tensor_index < 0 or (outputs is not None and tensor_index >= outputs):
        yield _issue(
            "KF304",
            f"tensor index {tensor_index} of layer {name!r} is out of range "
            f"(the call returns {outputs} tensor{'s' if outputs != 1 else ''})",
            where,
        )
        return None
    return (name, real)


def _cycles(
    layers: Mapping[str, _Layer],
    deps: Mapping[tuple[str, int], list[tuple[str, int]]],
    base: Parts,
) -> Iterator[Issue]:
    """Report each cycle once, at the first layer (in file order) on it."""
    state: dict[tuple[str, int], int] = {}  # 1 on the stack, 2 done
    for start in deps:
        if state.get(start):
            continue
        stack: list[tuple[tuple[str, int], int]] = [(start, 0)]
        state[start] = 1
        path = [start]
        while stack:
            key, i = stack[-1]
            nexts = deps.get(key, [])
            if i < len(nexts):
                stack[-1] = (key, i + 1)
                nxt = nexts[i]
                if nxt not in deps:
                    continue  # an InputLayer's own node
                if state.get(nxt) == 1:
                    ring = path[path.index(nxt) :]
                    names = " -> ".join(f"{n}[{k}]" for n, k in [*ring, nxt])
                    first = min(ring, key=lambda k: layers[k[0]].index)
                    yield _issue(
                        "KF303",
                        f"layer graph has a cycle: {names}",
                        (*base, layers[first[0]].index, "inbound_nodes", first[1]),
                    )
                    state[nxt] = 2
                elif not state.get(nxt):
                    state[nxt] = 1
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                state[key] = 2
                stack.pop()
                path.pop()


def graph_issues(config: Any, known: Callable[[Mapping[str, Any]], bool]) -> Iterator[Issue]:
    """Structure issues of every model in ``config`` (paths set). ``known``
    says whether a layer entry is a class kformat knows (its outputs are known)."""
    for parts, model in iter_models(config):
        if is_functional(model):
            yield from _functional_issues(parts, model, known)
        elif model.get("class_name") == "Sequential":
            yield from _sequential_issues(parts, model, known)
