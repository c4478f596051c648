"""Range and consistency checks on a structured BotConfig. Every check runs, so one run names every
problem; symbols come back normalized to the unified BASE/QUOTE:SETTLE form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs

from bot_v2.domain.errors import InvalidSymbol
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.config.problems import SECRETS_HINT, Problem, looks_secret

PROFILES: Final = ("dev", "canary", "prod")
BROKER_KINDS: Final = ("sim", "ccxt")
SIM_MARGIN_MODES: Final = ("cross", "isolated")
UNKNOWN_ORDER_POLICIES: Final = ("cancel", "adopt")
TIMEFRAMES: Final = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")
REPLAY_KINDS: Final = ("candles", "mark", "funding")
_SYMBOL_FORM: Final = "must be a perpetual symbol in BASE/QUOTE:SETTLE form"

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
_MAX_FEE: Final = Decimal("0.1")


def validate(config: BotConfig) -> tuple[BotConfig, list[Problem]]:
    """The config with symbols normalized, and every problem found (empty when valid)."""
    problems: list[Problem] = []
    symbols = _symbols(config.bot.symbols, problems)
    replay = config.replay
    config = attrs.evolve(
        config,
        bot=attrs.evolve(config.bot, symbols=symbols),
        replay=attrs.evolve(
            replay,
            candles=_replay_map("candles", replay.candles, symbols, problems),
            mark=_replay_map("mark", replay.mark, symbols, problems),
            funding=_replay_map("funding", replay.funding, symbols, problems),
        ),
    )
    for path, value, check in _leaf_checks(config):
        problem = check(path, value)
        if problem is not None:
            problems.append(problem)
    problems.extend(_strategy_relations(config))
    problems.extend(_streaming_relations(config))
    problems.extend(_ccxt_secrets(config.broker.ccxt_config))
    return config, problems


Check = Callable[[str, Any], Problem | None]


def _rule(ok: Callable[[Any], bool], message: str) -> Check:
    def check(path: str, value: Any) -> Problem | None:
        return None if ok(value) else Problem(path, message, value)

    return check


def _one_of(choices: tuple[str, ...]) -> Check:
    return _rule(lambda v: v in choices, "must be one of " + ", ".join(choices))


_POSITIVE = _rule(lambda v: v > 0, "must be > 0")
_NON_NEGATIVE = _rule(lambda v: v >= 0, "must be >= 0")
_FEE = _rule(lambda v: _ZERO <= v < _MAX_FEE, "must be >= 0 and < 0.1")
_FRACTION = _rule(lambda v: _ZERO < v <= _ONE, "must be > 0 and <= 1")
_STOP = _rule(lambda v: _ZERO <= v < _ONE, "must be >= 0 and < 1")
_AT_LEAST_ONE = _rule(lambda v: v >= 1, "must be >= 1")
_PORT = _rule(lambda v: 0 <= v <= 65535, "must be between 0 and 65535")
_FAILED_CYCLES = _rule(lambda v: 1 <= v <= 1_000_000, "must be between 1 and 1000000")
_NOT_EMPTY = _rule(lambda v: v.strip() != "", "must not be empty")
_WS_URL = _rule(
    lambda v: v == "" or v.startswith(("ws://", "wss://")),
    "must be empty (the venue's endpoint) or a ws:// or wss:// URL",
)


def _leaf_checks(c: BotConfig) -> list[tuple[str, Any, Check]]:
    return [
        ("profile", c.profile, _one_of(PROFILES)),
        ("bot.id", c.bot.id, _NOT_EMPTY),
        ("bot.timeframe", c.bot.timeframe, _one_of(TIMEFRAMES)),
        ("bot.quote_asset", c.bot.quote_asset, _NOT_EMPTY),
        ("bot.cycle_interval_s", c.bot.cycle_interval_s, _POSITIVE),
        ("broker.kind", c.broker.kind, _one_of(BROKER_KINDS)),
        ("broker.exchange", c.broker.exchange, _NOT_EMPTY),
        ("broker.sim.initial_balance", c.broker.sim.initial_balance, _POSITIVE),
        ("broker.sim.taker_fee", c.broker.sim.taker_fee, _FEE),
        ("broker.sim.maker_fee", c.broker.sim.maker_fee, _FEE),
        ("broker.sim.spread_bps", c.broker.sim.spread_bps, _NON_NEGATIVE),
        ("broker.sim.margin_mode", c.broker.sim.margin_mode, _one_of(SIM_MARGIN_MODES)),
        ("broker.sim.slippage", c.broker.sim.slippage, _NON_NEGATIVE),
        ("broker.sim.slippage_noise", c.broker.sim.slippage_noise, _STOP),
        ("broker.sim.volume_share", c.broker.sim.volume_share, _FRACTION),
        ("broker.sim.liquidation_fee", c.broker.sim.liquidation_fee, _FEE),
        *(
            (f"broker.sim.{kind}[{symbol!r}]", rate, _FEE)
            for kind, table in (
                ("taker_fees", c.broker.sim.taker_fees),
                ("maker_fees", c.broker.sim.maker_fees),
            )
            for symbol, rate in table.items()
        ),
        ("replay.pace_ms", c.replay.pace_ms, _NON_NEGATIVE),
        ("strategy.name", c.strategy.name, _NOT_EMPTY),
        ("strategy.short_window", c.strategy.short_window, _AT_LEAST_ONE),
        ("strategy.confirmation_bars", c.strategy.confirmation_bars, _NON_NEGATIVE),
        ("strategy.trailing_stop_pct", c.strategy.trailing_stop_pct, _STOP),
        ("strategy.position_fraction", c.strategy.position_fraction, _FRACTION),
        ("risk.max_leverage", c.risk.max_leverage, _POSITIVE),
        ("risk.max_order_notional", c.risk.max_order_notional, _POSITIVE),
        ("risk.max_symbol_notional", c.risk.max_symbol_notional, _POSITIVE),
        ("risk.max_total_notional", c.risk.max_total_notional, _POSITIVE),
        ("risk.daily_loss_limit", c.risk.daily_loss_limit, _POSITIVE),
        ("risk.max_mark_staleness_s", c.risk.max_mark_staleness_s, _POSITIVE),
        ("monitoring.http_host", c.monitoring.http_host, _NOT_EMPTY),
        ("monitoring.http_port", c.monitoring.http_port, _PORT),
        ("monitoring.status_interval_s", c.monitoring.status_interval_s, _POSITIVE),
        (
            "monitoring.unhealthy_after_failed_cycles",
            c.monitoring.unhealthy_after_failed_cycles,
            _FAILED_CYCLES,
        ),
        ("streaming.heartbeat_s", c.streaming.heartbeat_s, _POSITIVE),
        ("streaming.fallback_after_s", c.streaming.fallback_after_s, _POSITIVE),
        ("streaming.fallback_poll_s", c.streaming.fallback_poll_s, _POSITIVE),
        ("streaming.backoff_initial_s", c.streaming.backoff_initial_s, _POSITIVE),
        ("streaming.backoff_max_s", c.streaming.backoff_max_s, _POSITIVE),
        ("streaming.url", c.streaming.url, _WS_URL),
        ("streaming.user_url", c.streaming.user_url, _WS_URL),
        ("reconciliation.interval_s", c.reconciliation.interval_s, _POSITIVE),
        (
            "reconciliation.unknown_orders",
            c.reconciliation.unknown_orders,
            _one_of(UNKNOWN_ORDER_POLICIES),
        ),
    ]


def _streaming_relations(c: BotConfig) -> list[Problem]:
    s = c.streaming
    if s.backoff_max_s < s.backoff_initial_s:
        return [
            Problem(
                "streaming.backoff_max_s",
                f"must be >= streaming.backoff_initial_s ({s.backoff_initial_s})",
                s.backoff_max_s,
                refs=("streaming.backoff_initial_s",),
            )
        ]
    return []


def _strategy_relations(c: BotConfig) -> list[Problem]:
    s = c.strategy
    problems: list[Problem] = []
    if s.long_window <= s.short_window:
        problems.append(
            Problem(
                "strategy.long_window",
                f"must be > strategy.short_window ({s.short_window})",
                s.long_window,
                refs=("strategy.short_window",),
            )
        )
    if s.leverage <= 0:
        problems.append(Problem("strategy.leverage", "must be > 0", s.leverage))
    elif c.risk.max_leverage > 0 and s.leverage > c.risk.max_leverage:
        # (A non-positive max_leverage is reported on its own; comparing with it would be noise.)
        problems.append(
            Problem(
                "strategy.leverage",
                f"must be <= risk.max_leverage ({c.risk.max_leverage})",
                s.leverage,
                refs=("risk.max_leverage",),
            )
        )
    return problems


def _symbols(raw: tuple[str, ...], problems: list[Problem]) -> tuple[str, ...]:
    if not raw:
        problems.append(Problem("bot.symbols", "must not be empty", []))
        return raw
    out: list[str] = []
    first_seen: dict[str, int] = {}
    for index, text in enumerate(raw):
        try:
            symbol = normalize_symbol(text)
        except InvalidSymbol:
            problems.append(Problem(f"bot.symbols[{index}]", _SYMBOL_FORM, text))
            out.append(text)
            continue
        if symbol in first_seen:
            problems.append(
                Problem(f"bot.symbols[{index}]", f"repeats bot.symbols[{first_seen[symbol]}]", text)
            )
        first_seen.setdefault(symbol, index)
        out.append(symbol)
    return tuple(out)


def _replay_map(
    kind: str, entries: Mapping[str, str], symbols: tuple[str, ...], problems: list[Problem]
) -> dict[str, str]:
    path = f"replay.{kind}"
    out: dict[str, str] = {}
    for key, source in entries.items():
        try:
            symbol = normalize_symbol(key)
        except InvalidSymbol:
            problems.append(Problem(path, f"key {_SYMBOL_FORM}", key))
            out[key] = source
            continue
        if symbol not in symbols:
            problems.append(
                Problem(path, "key must be one of bot.symbols", key, refs=("bot.symbols",))
            )
        if not source.strip():
            problems.append(Problem(f"{path}[{symbol!r}]", "must not be empty", source))
        out[symbol] = source
    return out


def _ccxt_secrets(options: Mapping[str, Any], prefix: str = "broker.ccxt_config") -> list[Problem]:
    """ccxt takes apiKey/secret/password in its constructor options; refuse them here (without ever
    echoing the value) so credentials cannot end up in a config file."""
    problems: list[Problem] = []
    for key, value in options.items():
        path = f"{prefix}.{key}"
        if looks_secret(key):
            problems.append(Problem(path, f"not allowed here; {SECRETS_HINT}", show=False))
        elif isinstance(value, Mapping):
            problems.extend(_ccxt_secrets(value, path))
    return problems
