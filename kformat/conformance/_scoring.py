"""Scoring: a reader's verdict against a case's expectations, and outputs against tolerances.

Verdict rules (conformance/README.md, "Reader contract"):

* ``valid`` must equal the case's ``expect.valid``;
* every expected issue must be reported with the same ``code``, ``member`` and ``path``
  (warnings only when warnings are scored);
* for exhaustive cases, an *error* with a code the case does not expect fails it;
  unexpected warnings never do (a file may deserve several);
* a verdict that accepts a valid file must carry its ``decoded`` form, equal to the
  expected one;
* in ``load`` mode (loaders that are not validators) only accept/refuse and the decoded
  form are scored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kformat._rules import RULES
from kformat.conformance._cases import Case, ExpectedIssue
from kformat.conformance._digest import decoded_differences

__all__ = [
    "compare_outputs",
    "issue_severity",
    "load_npz",
    "score_verdict",
    "verdict_failures",
]


def issue_severity(issue: Mapping[str, Any]) -> str:
    """The reported severity, else the rule's severity, else ``error``."""
    sev = issue.get("severity")
    if sev in ("error", "warning"):
        return str(sev)
    rule = RULES.get(str(issue.get("code")))
    return rule.severity if rule is not None else "error"


def _where(issue: Mapping[str, Any]) -> str:
    member, path = issue.get("member"), issue.get("path")
    loc = (member or "") + (f"#{path}" if path is not None else "")
    return f"{issue.get('code')} at {loc or '<container>'}"


def _matches(exp: ExpectedIssue, issue: Mapping[str, Any], wildcard: bool) -> bool:
    if issue.get("code") != exp.code:
        return False
    if wildcard:
        return (exp.member is None or issue.get("member") == exp.member) and (
            exp.path is None or issue.get("path") == exp.path
        )
    return issue.get("member") == exp.member and issue.get("path") == exp.path


def verdict_failures(
    case: Case,
    verdict: Any,
    *,
    mode: str = "validate",
    errors_only: bool = False,
    expected_decoded: Mapping[str, Any] | None = None,
) -> list[str]:
    """Every way ``verdict`` fails ``case`` (empty when it passes).

    ``mode`` ``validate`` scores the issues; ``load`` (a loader that is not a
    validator) scores only accept/refuse and, for an accepted file, what it decoded.
    """
    if not isinstance(verdict, Mapping) or not isinstance(verdict.get("valid"), bool):
        return ['verdict is not a JSON object with a boolean "valid"']
    raw = verdict.get("issues", [])
    if not isinstance(raw, list) or not all(isinstance(i, Mapping) for i in raw):
        return ['"issues" is not a list of objects']
    reported: list[Mapping[str, Any]] = list(raw)
    out: list[str] = []
    if verdict["valid"] != case.valid:
        errs = [_where(i) for i in reported if issue_severity(i) == "error"]
        detail = f" ({', '.join(errs[:3])})" if errs else ""
        if mode == "load":
            said = "accepted" if verdict["valid"] else f"refused{detail}"
            out.append(f"expected {'accept' if case.valid else 'refuse'}, reader {said}")
        else:
            out.append(
                f"expected {'valid' if case.valid else 'invalid'}, reader said "
                + ("valid" if verdict["valid"] else f"invalid{detail}")
            )
    if mode != "load":
        out.extend(_issue_failures(case, reported, errors_only))
    want = case.decoded if case.decoded is not None else expected_decoded
    if want is not None and case.valid and verdict["valid"]:
        decoded = verdict.get("decoded")
        if decoded is None:
            out.append("no decoded form reported (a reader reports what it read from a valid file)")
        else:
            out.extend(decoded_differences(want, decoded))
    return out


def _issue_failures(
    case: Case, reported: Sequence[Mapping[str, Any]], errors_only: bool
) -> list[str]:
    out = []
    for exp in case.issues:
        if errors_only and exp.severity == "warning":
            continue
        if not any(_matches(exp, i, case.wildcard_locations) for i in reported):
            same_code = [_where(i) for i in reported if i.get("code") == exp.code]
            hint = f"; reported {', '.join(same_code[:3])}" if same_code else ""
            out.append(f"missing {exp.render()}{hint}")
    if case.exhaustive:
        expected_codes = {e.code for e in case.issues}
        out.extend(
            f"unexpected error {_where(issue)}"
            for issue in reported
            if issue_severity(issue) == "error" and issue.get("code") not in expected_codes
        )
    return out


def score_verdict(
    case: Case,
    verdict: Any,
    *,
    mode: str = "validate",
    errors_only: bool = False,
    expected_decoded: Mapping[str, Any] | None = None,
) -> str | None:
    """``None`` when ``verdict`` satisfies ``case``, else why not (every failure, ``; ``)."""
    found = verdict_failures(
        case, verdict, mode=mode, errors_only=errors_only, expected_decoded=expected_decoded
    )
    return "; ".join(found) if found else None


def load_npz(path: Path) -> dict[str, np.ndarray[Any, Any]]:
    """Arrays of an ``.npz`` file (never pickles), in stored order."""
    with np.load(path, allow_pickle=False) as data:
        return {k: np.asarray(data[k]) for k in data.files}


def compare_outputs(
    expected: Mapping[str, np.ndarray[Any, Any]],
    got: Mapping[str, np.ndarray[Any, Any]],
    names: Sequence[str],
    *,
    rtol: float,
    atol: float,
) -> str | None:
    """``None`` when every expected output is in ``got`` and within tolerance.

    ``got`` may name outputs by their output name or by position (``output_0``, …).
    """
    for index, name in enumerate(names):
        value = got.get(name)
        if value is None:
            value = got.get(f"output_{index}")
        if value is None:
            return f"output {name!r} (or output_{index}) missing; got {sorted(got)}"
        want = expected[name]
        value = np.asarray(value)
        if value.shape != want.shape:
            return f"output {name!r} has shape {value.shape}, expected {want.shape}"
        if value.dtype.kind not in "biuf" or want.dtype.kind not in "biuf":
            return f"output {name!r} has dtype {value.dtype}, expected a number array"
        a = value.astype(np.float64)
        b = want.astype(np.float64)
        if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
            err = float(np.max(np.abs(a - b) - rtol * np.abs(b))) if a.size else 0.0
            worst = float(np.max(np.abs(a - b))) if a.size else 0.0
            return (
                f"output {name!r} differs: max abs diff {worst:.3g} "
                f"(over tolerance by {err - atol:.3g}; rtol={rtol:g}, atol={atol:g})"
            )
    return None
