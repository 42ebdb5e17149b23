"""KF308/KF309 come from the config alone: reported even without readable weights."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import kformat
from tests.conftest import EXAMPLE


def _without_weights(tmp_path: Path, units: int) -> Path:
    with zipfile.ZipFile(EXAMPLE) as z:
        config = json.loads(z.read("config.json"))
        meta = z.read("metadata.json")
    for layer in config["config"]["layers"]:
        if layer["config"].get("name") == "hidden":
            layer["config"]["units"] = units
    out = tmp_path / "m.keras"
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("metadata.json", meta)
        z.writestr("config.json", json.dumps(config))
    return out


def test_implied_size_bomb_reported_without_weights(tmp_path: Path) -> None:
    issues = list(kformat.iter_issues(_without_weights(tmp_path, 10**9)))
    codes = {(i.code, i.member) for i in issues}
    assert ("KF102", "model.weights.h5") in codes
    assert ("KF308", "config.json") in codes


def test_plain_model_without_weights_has_only_the_missing_member(tmp_path: Path) -> None:
    issues = list(kformat.iter_issues(_without_weights(tmp_path, 16)))
    assert [i.code for i in issues] == ["KF102"]
