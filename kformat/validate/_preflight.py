"""The config checks a loader runs before it builds anything (spec §4, §5, §9, §12).

:func:`check_config` runs on an already-parsed config (``model_from_json``,
``from_config``, or ``config.json`` of an archive) exactly the checks the
validator runs on ``config.json``: the JSON limits (depth KF203, values KF213),
JSON types, the schema (KF210), graph and layer semantics (KF3xx) and the
safety rules (KF5xx). A loader that builds a model only when no error comes
back refuses what the validator refuses.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from kformat import weight_paths
from kformat._issues import Issue
from kformat._json import walk
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._rules import RULES
from kformat.validate import _documents
from kformat.validate._arrays import array_issues
from kformat.validate._consistency import expected_objects
from kformat.validate._graph import graph_issues
from kformat.validate._layers import is_known_layer, layer_entries, layer_issues, tree_issues
from kformat.validate._safety import safety_issues
from kformat.validate._walk import ptr

__all__ = [
    "ConfigFindings",
    "check_config",
    "config_findings",
    "implied_issues",
    "is_model",
    "layer_errors",
    "structure_issues",
    "weights_follow",
]

CONFIG = "config.json"


@dataclasses.dataclass
class ConfigFindings:
    """What the config checks found, split the way the driver needs it.

    Attributes:
        issues: every finding, located in ``config.json``, in check order.
        schema: the schema findings (a config the schema rejects has no
            trustworthy weight layout).
        semantic: the graph and layer findings before filtering.
    """

    issues: list[Issue]
    schema: list[Issue]
    semantic: list[Issue]


def _issue(code: str, message: str, path: list[str | int] | None) -> Issue:
    return Issue(
        code, RULES[code].severity, message, member=CONFIG, path=None if path is None else ptr(path)
    )


def _items(node: Any) -> Iterator[tuple[Any, Any]]:
    return iter(node.items()) if isinstance(node, Mapping) else enumerate(node)


def structure_issues(config: Any, limits: Limits) -> list[Issue]:
    """Depth (KF203), size in values (KF213), JSON types (KF207) and non-finite
    numbers (KF206) of a config that did not come from the strict parser.

    Tuples count as arrays (``get_config()`` returns them); any other value
    JSON cannot hold is an error. The walk is iterative and stops at the first
    limit, so it is linear in the config and never recurses.
    """
    found: list[Issue] = []
    if not isinstance(config, Mapping):
        return [_issue("KF207", f"config must be an object, got {type(config).__name__}", [])]
    nodes = 1
    for path, key, child in walk(config, (Mapping, list, tuple)):
        nodes += 1
        if nodes > limits.max_json_nodes:
            found.append(
                _issue("KF213", f"config holds more than {limits.max_json_nodes} values", [])
            )
            return found
        if isinstance(child, (Mapping, list, tuple)):
            if isinstance(child, Mapping) and not all(isinstance(k, str) for k in child):
                found.append(_issue("KF207", "object keys must be strings", [*path, key]))
                return found
            if len(path) + 2 > limits.max_json_depth:
                found.append(
                    _issue(
                        "KF203",
                        f"config nesting is deeper than the limit of {limits.max_json_depth}",
                        [*path, key],
                    )
                )
                return found
        elif isinstance(child, float):
            if not math.isfinite(child):
                found.append(_issue("KF206", "NaN/Infinity is not JSON", [*path, key]))
        elif child is not None and not isinstance(child, (str, int, bool)):
            found.append(
                _issue(
                    "KF207",
                    f"a config holds JSON values only, got {type(child).__name__}",
                    [*path, key],
                )
            )
    return found


def config_findings(
    config: Mapping[str, Any], custom: list[str], limits: Limits = DEFAULT_LIMITS
) -> ConfigFindings:
    """Schema, semantic and safety findings of a parsed config (located in
    ``config.json``); names of custom objects the config needs go to ``custom``.
    Semantic findings inside a part the schema rejected are dropped, and a
    code-carrying layer is reported by its safety rule only (no cascade)."""
    schema = list(_documents.schema_findings("config.schema.json", config, "KF210", CONFIG))
    rejected = [i.path for i in schema if i.path is not None]
    semantic = [
        *graph_issues(config, is_known_layer),
        *layer_issues(config, custom),
        *tree_issues(config),
    ]
    layer_ids = {id(entry) for _, entry in layer_entries(config)}
    safety = [i.at(member=CONFIG) for i in safety_issues(config, custom, layer_ids)]
    safety.extend(
        i.at(member=CONFIG) for i in array_issues(config, limits.max_config_array_elements)
    )
    unsafe = [i.path for i in safety if i.severity == "error" and i.path is not None]
    kept = [
        i.at(member=CONFIG)
        for i in semantic
        if not _under(i.path, rejected)
        and not (i.code == "KF310" and any(_under(p, [i.path or ""]) for p in unsafe))
    ]
    return ConfigFindings(issues=[*schema, *kept, *safety], schema=schema, semantic=semantic)


# Config findings after which a layer's variables are not derived (no cascade).
_LAYER_ERRORS = frozenset({"KF305", "KF307", "KF309", "KF312", "KF313"})


def is_model(config: Mapping[str, Any]) -> bool:
    """A Sequential / Functional model config with a layer list (weights follow)."""
    inner = config.get("config")
    return (
        config.get("class_name") in ("Sequential", "Functional", "Model")
        and isinstance(inner, Mapping)
        and isinstance(inner.get("layers"), list)
    )


def weights_follow(findings: ConfigFindings) -> bool:
    """Whether weight paths can be derived: not from a config the schema
    rejected or whose shared objects disagree (KF311)."""
    return not findings.schema and not any(i.code == "KF311" for i in findings.semantic)


def layer_errors(findings: ConfigFindings) -> frozenset[str]:
    """Pointers of layer entries whose variables are not derived (no cascade)."""
    return frozenset(
        i.path for i in findings.semantic if i.code in _LAYER_ERRORS and i.path is not None
    )


def implied_issues(
    config: Mapping[str, Any], version: str | None, limits: Limits, bad_layers: frozenset[str]
) -> list[Issue]:
    """KF308 (implied weights above the limits) and KF309 (shapes that do not
    fit) from the config alone, located in ``config.json``."""
    generation = weight_paths.generation_from_version(version)
    try:
        _, found = expected_objects(config, generation, limits, bad_layers)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError):
        return []  # the naming rule does not apply to this config
    return [i.at(member=CONFIG) for i in found]


def check_config(
    config: Any, *, limits: Limits = DEFAULT_LIMITS, keras_version: str | None = None
) -> list[Issue]:
    """Every issue the validator finds in ``config`` as a ``config.json``.

    Runs the JSON limits and types first (nothing else runs on a config that
    breaks them), then the schema, graph, layer and safety checks. Issues are
    located in ``config.json`` with JSON pointers. Never raises for content.

    Args:
        config: a parsed config (dicts, lists or tuples, str, int, float,
            bool, None), e.g. ``json.loads`` of ``config.json``.
        limits: caps on depth and size (``kformat.DEFAULT_LIMITS``).
        keras_version: ``metadata.json``'s version when known: it selects the
            weight layout the implied sizes (KF308) are computed for.
    """
    found = structure_issues(config, limits)
    if any(i.code in ("KF203", "KF207", "KF213") for i in found):
        return found
    config = _as_json(config)
    findings = config_findings(config, [], limits)
    found.extend(findings.issues)
    if is_model(config) and weights_follow(findings):
        found.extend(implied_issues(config, keras_version, limits, layer_errors(findings)))
    return found


def _as_json(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with tuples as lists (what ``json.dumps`` would write), so
    every check sees what a loader sees. Only called after
    :func:`structure_issues` bounded the depth and size."""
    if not _has_tuple(config):
        return dict(config)
    out: dict[str, Any] = {}
    stack: list[tuple[Any, Any]] = [(config, out)]
    while stack:
        src, dst = stack.pop()
        for key, value in _items(src):
            if isinstance(value, (Mapping, list, tuple)):
                copy: Any = {} if isinstance(value, Mapping) else [None] * len(value)
                stack.append((value, copy))
                value = copy
            dst[key] = value
    return out


def _has_tuple(config: Any) -> bool:
    stack = [config]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            return True
        if isinstance(node, Mapping):
            stack.extend(v for v in node.values() if isinstance(v, (Mapping, list, tuple)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (Mapping, list, tuple)))
    return False


def _under(path: str | None, prefixes: Sequence[str | None]) -> bool:
    if path is None:
        return False
    return any(
        p is not None and (path == p or path.startswith(p + "/") or p == "") for p in prefixes
    )
