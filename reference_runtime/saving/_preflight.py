"""The validator's config checks, run before the runtime builds anything (spec §5, §9, §12).

``load_model``, ``model_from_json``, ``Model.from_config`` and
``deserialize_keras_object`` hand a parsed ``config.json`` here first: its
document, limit and graph rules decide whether the runtime may try to build
it. An error-severity issue raises :class:`InvalidArchiveError` (or
:class:`UnsafeArchiveError` for a safety rule) carrying the issue's code,
member and JSON pointer; warnings pass (the runtime decides about custom
objects and unmodelled built-ins itself, with a better message).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kformat._issues import Issue
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._rules import RULES
from kformat.errors import InvalidArchiveError, KFormatError, UnsafeArchiveError
from reference_runtime._config_errors import short

__all__ = ["CONFIG", "check_config", "raise_for_issues"]

CONFIG = "config.json"


def _local_check_config(config: dict[str, Any], *, limits: Limits) -> list[Issue]:
    """The config half of the validator's model check (``kformat/validate/_driver.py``
    ``check_model``), for a config that is already parsed: schema, graph, layer
    fields, safety rules and the sizes the config implies (KF308)."""
    from kformat import weight_paths
    from kformat.validate._consistency import expected_objects
    from kformat.validate._documents import schema_findings
    from kformat.validate._graph import graph_issues
    from kformat.validate._layers import (
        is_known_layer,
        layer_entries,
        layer_issues,
        tree_issues,
    )
    from kformat.validate._safety import safety_issues

    schema = list(schema_findings("config.schema.json", config, "KF210", CONFIG))
    rejected = [i.path for i in schema if i.path is not None]
    custom: list[str] = []
    semantic = [
        *graph_issues(config, is_known_layer),
        *layer_issues(config, custom),
        *tree_issues(config),
    ]
    layer_ids = {id(entry) for _, entry in layer_entries(config)}
    safety = [i.at(member=CONFIG) for i in safety_issues(config, custom, layer_ids)]
    out = [*schema, *safety]
    out += [i.at(member=CONFIG) for i in semantic if not _under(i.path, rejected)]
    if schema or any(i.code == "KF311" for i in semantic):
        return out
    skip = frozenset(i.path for i in semantic if i.path is not None and i.severity == "error")
    generation = weight_paths.generation_from_version(None)
    try:
        _, implied = expected_objects(config, generation, limits, skip)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        implied = []  # the naming rule does not apply to this config
    out += [i.at(member=CONFIG) for i in implied if i.code == "KF308"]
    return out


def _under(path: str | None, prefixes: list[str]) -> bool:
    if path is None:
        return False
    return any(path == p or path.startswith(p + "/") or p == "" for p in prefixes)


CheckConfig = Callable[..., list[Issue]]


def _validator_entry() -> CheckConfig:
    """``kformat.validate._preflight.check_config`` where this kformat has it,
    else the same checks composed here from the validator's modules."""
    try:
        module = importlib.import_module("kformat.validate._preflight")
    except ImportError:
        return _local_check_config
    found: CheckConfig = module.check_config
    return found


_check_config = _validator_entry()


def raise_for_issues(
    issues: Iterable[Issue], *, source: str | None = None, ignore: frozenset[str] = frozenset()
) -> None:
    """Raise for the first error-severity issue not in ``ignore``; warnings pass."""
    errors = [i for i in issues if i.severity == "error" and i.code not in ignore]
    if not errors:
        return
    first = errors[0]
    unsafe = any(RULES[i.code].kind == "unsafe" for i in errors)
    cls = UnsafeArchiveError if unsafe else InvalidArchiveError
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    where = f" in {source}" if source else ""
    raise cls(
        f"{first.code} {first.message}{where}{more}",
        member=first.member or CONFIG,
        path=first.path,
        code=first.code,
        issues=errors,
    )


def _check_depth(config: Any, limit: int) -> None:
    """The JSON depth limit (KF203) for a config that did not come through the
    parser (``from_config`` on a dict); iterative, so any depth is safe."""
    stack: list[tuple[Any, int]] = [(config, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            raise UnsafeArchiveError(
                f"config nested deeper than {limit} levels",
                member=CONFIG,
                path="",
                code="KF203",
            )
        if isinstance(value, Mapping):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend((v, depth + 1) for v in value)


def check_config(
    config: Mapping[str, Any],
    *,
    limits: Limits | None = None,
    source: str | None = None,
    safe_mode: bool = True,
) -> None:
    """Run the validator's document, limit and graph checks on a parsed config.

    With ``safe_mode=False`` bytecode (KF501) is left to the runtime, which
    refuses it as unsupported rather than unsafe: the caller trusts the file,
    but the NumPy runtime never runs bytecode.

    Raises:
        UnsafeArchiveError: a safety rule fails (code, bombs, implied sizes).
        InvalidArchiveError: another rule fails; ``code``/``member``/``path``
            name the first error, ``issues`` holds all of them.
    """
    if not isinstance(config, dict):
        raise InvalidArchiveError(
            f"config must be a JSON object, got {type(config).__name__}",
            member=CONFIG,
            path="",
            code="KF207",
        )
    limits = limits or DEFAULT_LIMITS
    _check_depth(config, limits.max_json_depth)
    try:
        issues = _check_config(config, limits=limits)
    except KFormatError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        # A dict from the caller may hold what no JSON parser of ours yields
        # (10**4000); a recursion in jsonschema's Rust helpers surfaces as a
        # PanicException, which is a BaseException.
        if isinstance(exc, RecursionError) or "RecursionError" in str(exc):
            raise UnsafeArchiveError(
                "config nested too deep to check", member=CONFIG, path="", code="KF203"
            ) from exc
        raise InvalidArchiveError(
            f"the config checks cannot handle a value in it: {type(exc).__name__}: {short(str(exc))}",
            member=CONFIG,
            path="",
            code="KF305",
        ) from exc
    ignore = frozenset() if safe_mode else frozenset({"KF501"})
    raise_for_issues(issues, source=source, ignore=ignore)
