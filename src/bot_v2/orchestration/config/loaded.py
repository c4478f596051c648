"""The result of loading: the validated config, the secrets, and where each value came from."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from bot_v2.orchestration.config.models import BotConfig, Secrets


@attrs.frozen
class LoadedConfig:
    config: BotConfig
    # repr of Secrets never shows the values.
    secrets: Secrets
    # Dotted leaf path (`risk.max_leverage`, `replay.candles.BTC/USDT:USDT`) -> where its value came
    # from: default, profile:<name>, file:<path>, env:<VARIABLE> or --set.
    sources: Mapping[str, str]
