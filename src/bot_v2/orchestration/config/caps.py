"""Hard caps per profile. They live in code, not in the profile file, so no file, environment
variable or --set can raise them: a canary that trades real money stays tiny. Lowering is fine."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.config.problems import Problem

CANARY_CAPS: Final[Mapping[str, Decimal]] = MappingProxyType(
    {
        "risk.max_order_notional": Decimal(25),
        "risk.max_symbol_notional": Decimal(50),
        "risk.max_total_notional": Decimal(100),
        "risk.max_leverage": Decimal(1),
        "risk.daily_loss_limit": Decimal(10),
        "strategy.leverage": Decimal(1),
        # A stop-loss at most 5% from entry (docs/risk.md "Exits").
        "strategy.exits.stop_loss_pct": Decimal("0.05"),
    }
)

# Protections a profile cannot turn off: path -> the value that means off.
CANARY_REQUIRED_ON: Final[Mapping[str, object]] = MappingProxyType(
    {"strategy.exits.stop_loss": "off"}
)
PROFILE_REQUIRED_ON: Final[Mapping[str, Mapping[str, object]]] = MappingProxyType(
    {"canary": CANARY_REQUIRED_ON}
)

DEV_OFFLINE: Final = "the dev profile is offline and must use sim; use canary or prod for a venue"

# prod runs with the full limits; dev is simulated money.
PROFILE_CAPS: Final[Mapping[str, Mapping[str, Decimal]]] = MappingProxyType({"canary": CANARY_CAPS})


def _leaf(config: BotConfig, path: str) -> object:
    value: object = config
    for key in path.split("."):
        value = getattr(value, key)
    return value


def _value(config: BotConfig, path: str) -> Decimal:
    value = _leaf(config, path)
    assert isinstance(value, Decimal)
    return value


def cap_problems(config: BotConfig) -> list[Problem]:
    caps = PROFILE_CAPS.get(config.profile, {})
    problems: list[Problem] = []
    if config.profile == "dev" and config.broker.kind == "ccxt":
        # dev has no caps because its money is simulated; a live venue would make it real money.
        problems.append(Problem("broker.kind", DEV_OFFLINE, config.broker.kind))
    for path, cap in caps.items():
        value = _value(config, path)
        if value > cap:
            problems.append(Problem(path, f"{config.profile} caps this at {cap}", value))
    for path, off in PROFILE_REQUIRED_ON.get(config.profile, {}).items():
        if _leaf(config, path) == off:
            problems.append(Problem(path, f"{config.profile} requires this on", off))
    return problems
