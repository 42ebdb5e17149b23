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

from collections.abc import Iterable, Mapping
from typing import Any

from kformat._issues import Issue
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._rules import RULES
from kformat.errors import InvalidArchiveError, KFormatError, UnsafeArchiveError
from kformat.validate._preflight import check_config as validator_check_config
from reference_runtime._config_errors import short

__all__ = ["CONFIG", "check_config", "raise_for_issues"]

CONFIG = "config.json"


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
    try:
        issues = validator_check_config(config, limits=limits)
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
