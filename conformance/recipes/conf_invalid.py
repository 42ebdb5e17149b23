"""Every invalid case, by concept: container and JSON (conf_invalid_container.py), config
(conf_invalid_config.py), weights (conf_invalid_weights.py), assets (conf_invalid_assets.py); their kit is conf_invalid_kit.py."""

from __future__ import annotations

import conf_invalid_assets
import conf_invalid_config
import conf_invalid_container
import conf_invalid_weights
from conf_kit import CaseDef

__all__ = ["cases"]


def cases() -> list[CaseDef]:
    return (
        conf_invalid_container.container_and_json()
        + conf_invalid_config.config_warnings()
        + conf_invalid_weights.weights_warnings()
        + conf_invalid_config.graph_cases()
        + conf_invalid_config.field_cases()
        + conf_invalid_weights.weight_cases()
        + conf_invalid_container.sharded_cases()
        + conf_invalid_assets.assets_cases()
    )
