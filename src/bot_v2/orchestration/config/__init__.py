"""BotConfig and how it is loaded from profiles, files and the environment."""

from bot_v2.orchestration.config.credentials import require_secrets
from bot_v2.orchestration.config.loaded import LoadedConfig
from bot_v2.orchestration.config.loader import load_config
from bot_v2.orchestration.config.paths import resolve_data_dir
from bot_v2.orchestration.config.show import render_config_show

__all__ = [
    "LoadedConfig",
    "load_config",
    "render_config_show",
    "require_secrets",
    "resolve_data_dir",
]
