"""Range and consistency checks on a structured BotConfig. Every check runs, so one run names every
problem; symbols come back normalized to the unified BASE/QUOTE:SETTLE form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from bot_v2.domain.errors import InvalidSymbol
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.live_trade.maker.settings import ENTRY_KINDS, FALLBACKS
from bot_v2.orchestration.config.exits import exit_leaf_checks, exit_relations
from bot_v2.orchestration.config.models import BotConfig, MarketRules
from bot_v2.orchestration.config.problems import SECRETS_HINT, Problem, looks_secret
from bot_v2.orchestration.config.protection_checks import protection_checks, protection_relations
from bot_v2.orchestration.config.ranges import Range
from bot_v2.orchestration.config.slots import slot_problems, slot_symbols
from bot_v2.orchestration.config.strategy import strategy_problems

PROFILES: Final = ("dev", "canary", "prod", "paper")
BROKER_KINDS: Final = ("sim", "ccxt", "paper")
SIM_MARGIN_MODES: Final = ("cross", "isolated")
SIM_INTRABAR_ORDERS: Final = ("pessimistic", "optimistic")
UNKNOWN_ORDER_POLICIES: Final = ("cancel", "adopt")
STOP_FAILURE_POLICIES: Final = ("close", "reduce_only")
TRIGGER_PRICES: Final = ("mark", "last")
TIMEFRAMES: Final = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d")
REPLAY_KINDS: Final = ("candles", "mark", "funding")
LOG_FORMATS: Final = ("text", "json")
LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")
# A log file smaller than 64 KiB would rotate every few cycles; one over 1 GiB is a disk problem.
LOG_MAX_BYTES: Final = (65_536, 1_073_741_824)
LOG_MAX_BACKUPS: Final = 100
# adapters/notifiers/registry.py's names (a test keeps them equal; config loading stays httpx-free).
NOTIFIER_NAMES: Final = ("webhook", "slack", "telegram", "discord")
SEVERITIES: Final = ("info", "warning", "critical")
_SYMBOL_FORM: Final = "must be a perpetual symbol in BASE/QUOTE:SETTLE form"

_DAY_S: Final = 86_400
# A market's own rules: sizes and prices up to a trillion; no perpetual venue offers more than
# 200x (Binance's cap is 125x).
_MARKET_UNIT: Final = Range(0, 10**12, low_open=True)
_MARKET_LEVERAGE: Final = Range(1, 200)
_MARKET_NOTIONAL: Final = Range(0, 10**12)


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
        markets=_market_keys(config.markets, problems),
        strategies=tuple(attrs.evolve(s, symbols=slot_symbols(s)) for s in config.strategies),
    )
    for path, value, check in _leaf_checks(config):
        problem = check(path, value)
        if problem is not None:
            problems.append(problem)
    problems.extend(_strategy_relations(config))
    problems.extend(slot_problems(config))
    problems.extend(exit_relations(config, _LEVERAGE.holds(config.strategy.leverage)))
    problems.extend(protection_relations(config))
    problems.extend(_streaming_relations(config))
    problems.extend(_alerts_relations(config))
    problems.extend(_ccxt_secrets(config.broker.ccxt_config))
    problems.extend(_market_rules(config.markets))
    return config, problems


Check = Callable[[str, Any], Problem | None]


def _rule(ok: Callable[[Any], bool], message: str) -> Check:
    def check(path: str, value: Any) -> Problem | None:
        return None if ok(value) else Problem(path, message, value)

    return check


def _one_of(choices: tuple[str, ...]) -> Check:
    return _rule(lambda v: v in choices, "must be one of " + ", ".join(choices))


# Every number has both ends (see ranges.py); each range is documented in docs/configuration.md.
_FEE: Final = Range(0, "0.1", high_open=True)
_FRACTION: Final = Range(0, 1, low_open=True)
_STOP: Final = Range(0, 1, high_open=True)
# Binance's highest leverage on any perpetual.
_LEVERAGE: Final = Range(0, 125, low_open=True)
# A trillion in the quote asset: above any account; far below where Decimal math gets slow.
_MONEY: Final = Range(0, 10**12, low_open=True)
# Socket timings: a millisecond is the finest a timer can keep; an hour without data is no stream.
_STREAM_S: Final = Range("0.001", 3_600)
_LOG_BYTES: Final = Range(*LOG_MAX_BYTES)
_LOG_BACKUPS: Final = Range(1, LOG_MAX_BACKUPS)
# Up to a week of fills before the first start; a venue's Retry-After up to ten minutes.
_LOOKBACK: Final = Range(0, 7 * _DAY_S)
_RETRY_AFTER: Final = Range(0, 600)
# A failed cycle costs one interval; a million in a row is a bot nobody watches.
_FAILED_CYCLES: Final = Range(1, 1_000_000)
# Alert delivery: waits from a millisecond to an hour; up to ten sends a second per notifier.
_ALERT_WAIT_S: Final = Range("0.001", 3_600)
# A distance to liquidation as a fraction of the price; 0 turns the alert off.
_ALERT_PCT: Final = Range(0, 1, high_open=True)
_HTTP_URL = _rule(
    lambda v: v.startswith(("https://", "http://")), "must be an http:// or https:// URL"
)
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
        ("bot.cycle_interval_s", c.bot.cycle_interval_s, Range("0.1", _DAY_S)),
        ("broker.kind", c.broker.kind, _one_of(BROKER_KINDS)),
        ("broker.exchange", c.broker.exchange, _NOT_EMPTY),
        ("broker.history_lookback_s", c.broker.history_lookback_s, _LOOKBACK),
        ("broker.max_retry_after_s", c.broker.max_retry_after_s, _RETRY_AFTER),
        ("broker.sim.initial_balance", c.broker.sim.initial_balance, _MONEY),
        ("broker.sim.taker_fee", c.broker.sim.taker_fee, _FEE),
        ("broker.sim.maker_fee", c.broker.sim.maker_fee, _FEE),
        ("broker.sim.spread_bps", c.broker.sim.spread_bps, Range(0, 1_000)),
        ("broker.sim.margin_mode", c.broker.sim.margin_mode, _one_of(SIM_MARGIN_MODES)),
        ("broker.sim.slippage", c.broker.sim.slippage, Range(0, 100)),
        ("broker.sim.slippage_noise", c.broker.sim.slippage_noise, _STOP),
        ("broker.sim.volume_share", c.broker.sim.volume_share, _FRACTION),
        ("broker.sim.liquidation_fee", c.broker.sim.liquidation_fee, _FEE),
        ("broker.sim.seed", c.broker.sim.seed, Range(-(2**63), 2**63 - 1)),
        ("broker.sim.intrabar_order", c.broker.sim.intrabar_order, _one_of(SIM_INTRABAR_ORDERS)),
        *(
            (f"broker.sim.{kind}[{symbol!r}]", rate, _FEE)
            for kind, table in (
                ("taker_fees", c.broker.sim.taker_fees),
                ("maker_fees", c.broker.sim.maker_fees),
            )
            for symbol, rate in table.items()
        ),
        ("replay.pace_ms", c.replay.pace_ms, Range(0, 60_000)),
        ("strategy.name", c.strategy.name, _NOT_EMPTY),
        ("strategy.position_fraction", c.strategy.position_fraction, _FRACTION),
        ("strategy.leverage", c.strategy.leverage, _LEVERAGE),
        *exit_leaf_checks(c),
        ("risk.max_leverage", c.risk.max_leverage, _LEVERAGE),
        ("risk.max_order_notional", c.risk.max_order_notional, _MONEY),
        ("risk.max_symbol_notional", c.risk.max_symbol_notional, _MONEY),
        ("risk.max_total_notional", c.risk.max_total_notional, _MONEY),
        ("risk.daily_loss_limit", c.risk.daily_loss_limit, _MONEY),
        ("risk.max_mark_staleness_s", c.risk.max_mark_staleness_s, Range("0.001", 30 * _DAY_S)),
        ("monitoring.http_host", c.monitoring.http_host, _NOT_EMPTY),
        ("monitoring.http_port", c.monitoring.http_port, Range(0, 65_535)),
        ("monitoring.status_interval_s", c.monitoring.status_interval_s, Range("0.01", _DAY_S)),
        (
            "monitoring.unhealthy_after_failed_cycles",
            c.monitoring.unhealthy_after_failed_cycles,
            _FAILED_CYCLES,
        ),
        ("api.session_ttl_s", c.api.session_ttl_s, Range(60, _DAY_S)),
        ("api.login_attempts_per_minute", c.api.login_attempts_per_minute, Range(1, 1_000)),
        ("api.idle_timeout_s", c.api.idle_timeout_s, Range("0.1", 600)),
        ("api.max_connections", c.api.max_connections, Range(4, 10_000)),
        # A strategy's parameters fit in a few hundred bytes; a megabyte is no control request.
        ("api.max_body_bytes", c.api.max_body_bytes, Range(1_024, 1_048_576)),
        ("api.max_header_bytes", c.api.max_header_bytes, Range(1_024, 1_048_576)),
        ("streaming.heartbeat_s", c.streaming.heartbeat_s, _STREAM_S),
        ("streaming.fallback_after_s", c.streaming.fallback_after_s, _STREAM_S),
        ("streaming.fallback_poll_s", c.streaming.fallback_poll_s, _STREAM_S),
        ("streaming.backoff_initial_s", c.streaming.backoff_initial_s, _STREAM_S),
        ("streaming.backoff_max_s", c.streaming.backoff_max_s, _STREAM_S),
        ("streaming.url", c.streaming.url, _WS_URL),
        ("streaming.user_url", c.streaming.user_url, _WS_URL),
        ("reconciliation.interval_s", c.reconciliation.interval_s, Range("0.01", 7 * _DAY_S)),
        # Up to a day: longer leaves a symbol reduce-only past any venue\'s lag for no gain.
        ("reconciliation.pending_timeout_s", c.reconciliation.pending_timeout_s, Range(0, _DAY_S)),
        (
            "reconciliation.unknown_orders",
            c.reconciliation.unknown_orders,
            _one_of(UNKNOWN_ORDER_POLICIES),
        ),
        # Each try waits for the venue's answer: beyond ten, the position waits too long unguarded.
        ("protection.placement_tries", c.protection.placement_tries, Range(1, 10)),
        (
            "protection.on_stop_failure",
            c.protection.on_stop_failure,
            _one_of(STOP_FAILURE_POLICIES),
        ),
        ("protection.trigger_price", c.protection.trigger_price, _one_of(TRIGGER_PRICES)),
        ("logging.format", c.logging.format, _one_of(LOG_FORMATS)),
        ("logging.level", c.logging.level.upper(), _one_of(LOG_LEVELS)),
        ("logging.max_bytes", c.logging.max_bytes, _LOG_BYTES),
        ("logging.backup_count", c.logging.backup_count, _LOG_BACKUPS),
        *(
            (f"alerts.notifiers[{i}]", name, _one_of(NOTIFIER_NAMES))
            for i, name in enumerate(c.alerts.notifiers)
        ),
        ("alerts.min_severity", c.alerts.min_severity, _one_of(SEVERITIES)),
        ("alerts.rate_limit_per_min", c.alerts.rate_limit_per_min, Range(1, 600)),
        ("alerts.dedup_window_s", c.alerts.dedup_window_s, Range(0, _DAY_S)),
        ("alerts.stream_down_after_s", c.alerts.stream_down_after_s, Range(1, _DAY_S)),
        ("alerts.liquidation_distance_pct", c.alerts.liquidation_distance_pct, _ALERT_PCT),
        ("alerts.max_attempts", c.alerts.max_attempts, Range(1, 20)),
        ("alerts.backoff_s", c.alerts.backoff_s, _ALERT_WAIT_S),
        ("alerts.backoff_max_s", c.alerts.backoff_max_s, _ALERT_WAIT_S),
        ("alerts.queue_size", c.alerts.queue_size, Range(1, 100_000)),
        ("alerts.timeout_s", c.alerts.timeout_s, Range("0.1", 300)),
        ("alerts.telegram_api_url", c.alerts.telegram_api_url, _HTTP_URL),
        # [protections] and [strategy.sizing]
        *protection_checks(c),
        ("strategy.entry.kind", c.strategy.entry.kind, _one_of(ENTRY_KINDS)),
        ("strategy.entry.reprice_after_s", c.strategy.entry.reprice_after_s, Range(1, _DAY_S)),
        ("strategy.entry.max_reprices", c.strategy.entry.max_reprices, Range(0, 100)),
        ("strategy.entry.fallback", c.strategy.entry.fallback, _one_of(FALLBACKS)),
    ]


def numeric_ranges() -> dict[str, Range]:
    """The range of every number at a fixed path; docs/configuration.md writes each one."""
    return {path: check for path, _, check in _leaf_checks(BotConfig()) if isinstance(check, Range)}


def _streaming_relations(c: BotConfig) -> list[Problem]:
    s = c.streaming
    # Out-of-range values are reported on their own; comparing with them would be noise.
    in_range = _STREAM_S.holds(s.backoff_initial_s) and _STREAM_S.holds(s.backoff_max_s)
    if in_range and s.backoff_max_s < s.backoff_initial_s:
        return [
            Problem(
                "streaming.backoff_max_s",
                f"must be >= streaming.backoff_initial_s ({s.backoff_initial_s})",
                s.backoff_max_s,
                refs=("streaming.backoff_initial_s",),
            )
        ]
    return []


def _alerts_relations(c: BotConfig) -> list[Problem]:
    a = c.alerts
    problems = [
        Problem(f"alerts.notifiers[{i}]", f"repeats alerts.notifiers[{a.notifiers.index(n)}]", n)
        for i, n in enumerate(a.notifiers)
        if a.notifiers.index(n) != i
    ]
    in_range = _ALERT_WAIT_S.holds(a.backoff_s) and _ALERT_WAIT_S.holds(a.backoff_max_s)
    if in_range and a.backoff_max_s < a.backoff_s:
        problems.append(
            Problem(
                "alerts.backoff_max_s",
                f"must be >= alerts.backoff_s ({a.backoff_s})",
                a.backoff_max_s,
                refs=("alerts.backoff_s",),
            )
        )
    return problems


def _strategy_relations(c: BotConfig) -> list[Problem]:
    s = c.strategy
    # An empty name is reported by its leaf check; looking it up would say it twice.
    problems = strategy_problems(s) if s.name.strip() else []
    leverages = _LEVERAGE.holds(s.leverage) and _LEVERAGE.holds(c.risk.max_leverage)
    if leverages and s.leverage > c.risk.max_leverage:
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


def _market_keys(
    entries: Mapping[str, MarketRules], problems: list[Problem]
) -> dict[str, MarketRules]:
    out: dict[str, MarketRules] = {}
    for key, rules in entries.items():
        try:
            out[normalize_symbol(key)] = rules
        except InvalidSymbol:
            problems.append(Problem("markets", f"key {_SYMBOL_FORM}", key))
            out[key] = rules
    return out


def _market_rules(markets: Mapping[str, MarketRules]) -> list[Problem]:
    problems: list[Problem] = []
    for symbol, r in markets.items():
        at = f"markets[{symbol!r}]"
        checks: list[tuple[str, Any, Check]] = [
            ("tick_size", r.tick_size, _MARKET_UNIT),
            ("step_size", r.step_size, _MARKET_UNIT),
            ("min_size", r.min_size, _MARKET_UNIT),
            ("min_notional", r.min_notional, _MARKET_NOTIONAL),
            ("max_leverage", r.max_leverage, _MARKET_LEVERAGE),
        ]
        problems.extend(p for name, v, check in checks if (p := check(f"{at}.{name}", v)))
        if r.step_size > 0 and r.min_size > 0 and r.min_size % r.step_size:
            problems.append(
                Problem(
                    f"{at}.min_size", f"must be a multiple of step_size ({r.step_size})", r.min_size
                )
            )
    return problems


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
