"""Hypothesis strategies for valid BotConfigs (valid per validation.py and, for canary, caps.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st

from bot_v2.orchestration.config.caps import CANARY_CAPS
from bot_v2.orchestration.config.converter import unstructure_decimal
from bot_v2.orchestration.config.exits import stop_room_of
from bot_v2.orchestration.config.models import (
    BotConfig,
    BotSection,
    BrokerSection,
    ExitsSection,
    LoggingSection,
    MarketRules,
    MonitoringSection,
    ProtectionsSection,
    ReconciliationSection,
    ReplaySection,
    RiskSection,
    SimSection,
    StrategySection,
    StreamingSection,
)
from bot_v2.orchestration.config.problems import looks_secret
from bot_v2.orchestration.config.validation import TIMEFRAMES

SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "XRP/USDT:USDT", "SOL/USDC:USDC", "1000PEPE/USDT:USDT")

text = st.text(max_size=12)
non_blank = text.filter(lambda s: s.strip() != "")


@st.composite
def decimals(
    draw: st.DrawFn, low: str, high: str, *, low_open: bool = False, high_open: bool = False
) -> Decimal:
    """Exact decimals in a range, in every written form: 5, 5.0, 0.0005, 1E+3."""
    places = draw(st.integers(min_value=0, max_value=8))
    value = draw(st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places))
    if (low_open and value == Decimal(low)) or (high_open and value == Decimal(high)):
        value = (Decimal(low) + Decimal(high)) / 2
    if draw(st.booleans()):
        value = value.normalize()  # 1000 -> 1E+3, 0.50 -> 0.5
    return value


def positive(high: str = "1000000", low: str = "0") -> st.SearchStrategy[Decimal]:
    return decimals(low, high, low_open=low == "0")


toml_scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
    st.booleans(),
)
safe_keys = text.filter(lambda k: not looks_secret(k))
ccxt_options = st.dictionaries(
    safe_keys,
    st.one_of(
        toml_scalars,
        st.lists(toml_scalars, max_size=3),
        st.dictionaries(safe_keys, toml_scalars, max_size=3),
    ),
    max_size=3,
)


@st.composite
def bot_configs(draw: st.DrawFn, profile: str | None = None) -> BotConfig:
    profile = profile or draw(st.sampled_from(["dev", "canary", "prod"]))
    symbols = tuple(draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=4, unique=True)))
    caps: dict[str, Decimal] = dict(CANARY_CAPS) if profile == "canary" else {}

    def limit(path: str) -> Decimal:
        cap = caps.get(path)
        return draw(positive(str(cap)) if cap is not None else positive())

    risk = RiskSection(
        max_leverage=draw(positive("125")) if profile != "canary" else limit("risk.max_leverage"),
        max_order_notional=limit("risk.max_order_notional"),
        max_symbol_notional=limit("risk.max_symbol_notional"),
        max_total_notional=limit("risk.max_total_notional"),
        daily_loss_limit=limit("risk.daily_loss_limit"),
        kill_switch=draw(st.booleans()),
        reduce_only=draw(st.booleans()),
        max_mark_staleness_s=draw(positive(low="0.001")),
    )
    short = draw(st.integers(min_value=1, max_value=500))
    strategy = StrategySection(
        name="baseline",
        params={
            "short_window": short,
            "long_window": draw(st.integers(min_value=short + 1, max_value=1000)),
            "confirmation_bars": draw(st.integers(min_value=0, max_value=10)),
            # As TOML gives it back: a whole number is an integer.
            "trailing_stop_pct": unstructure_decimal(draw(decimals("0", "1", high_open=True))),
            "allow_shorts": draw(st.booleans()),
        },
        position_fraction=draw(decimals("0", "1", low_open=True)),
        leverage=draw(decimals("0", str(risk.max_leverage), low_open=True)),
    )
    replay_map = st.dictionaries(st.sampled_from(symbols), non_blank, max_size=len(symbols))
    config = BotConfig(
        profile=profile,
        bot=BotSection(
            id=draw(non_blank),
            symbols=symbols,
            timeframe=draw(st.sampled_from(TIMEFRAMES)),
            data_dir=draw(text),
            quote_asset=draw(non_blank),
            cycle_interval_s=draw(positive("86400", low="0.1")),
        ),
        broker=BrokerSection(
            # dev is offline: it refuses a live venue.
            kind=draw(st.sampled_from(["sim"] if profile == "dev" else ["sim", "ccxt"])),
            exchange=draw(non_blank),
            sandbox=draw(st.booleans()),
            ccxt_config=draw(ccxt_options),
            sim=SimSection(
                initial_balance=draw(positive()),
                taker_fee=draw(decimals("0", "0.1", high_open=True)),
                maker_fee=draw(decimals("0", "0.1", high_open=True)),
                spread_bps=draw(decimals("0", "100")),
                state_path=draw(text),
                seed=draw(st.integers(min_value=-(2**63), max_value=2**63 - 1)),
                intrabar_order=draw(st.sampled_from(["pessimistic", "optimistic"])),
            ),
        ),
        replay=ReplaySection(
            candles=draw(replay_map),
            mark=draw(replay_map),
            funding=draw(replay_map),
            pace_ms=draw(decimals("0", "1000")),
        ),
        strategy=strategy,
        risk=risk,
        monitoring=MonitoringSection(
            http_host=draw(non_blank),
            http_port=draw(st.integers(min_value=0, max_value=65535)),
            status_interval_s=draw(positive("3600", low="0.01")),
            unhealthy_after_failed_cycles=draw(st.integers(min_value=1, max_value=1_000_000)),
        ),
        streaming=StreamingSection(
            enabled=draw(st.booleans()), heartbeat_s=draw(positive("3600", low="0.001"))
        ),
        reconciliation=ReconciliationSection(
            interval_s=draw(positive("86400", low="0.01")),
            unknown_orders=draw(st.sampled_from(["cancel", "adopt"])),
            pending_timeout_s=draw(decimals("0", "86400")),
        ),
        logging=LoggingSection(
            enabled=draw(st.booleans()),
            format=draw(st.sampled_from(["text", "json"])),
            level=draw(st.sampled_from(["DEBUG", "info", "WARNING", "ERROR"])),
            max_bytes=draw(st.integers(min_value=65_536, max_value=1_073_741_824)),
            backup_count=draw(st.integers(min_value=1, max_value=100)),
        ),
        markets=draw(st.dictionaries(st.sampled_from(SYMBOLS), market_rules(), max_size=2)),
        # canary requires the drawdown halt on and caps it (caps.py).
        protections=ProtectionsSection(
            max_drawdown_pct=draw(decimals("0", "0.1", low_open=True))
            if profile == "canary"
            else draw(decimals("0", "1", high_open=True))
        ),
    )
    # The stops must lie inside the liquidation distance this config allows (leverage, venue).
    room, _ = stop_room_of(config)
    exits = draw(exits_sections(room, caps))
    return attrs.evolve(config, strategy=attrs.evolve(config.strategy, exits=exits))


@st.composite
def exits_sections(draw: st.DrawFn, room: Decimal, caps: dict[str, Decimal]) -> ExitsSection:
    """Valid [strategy.exits]: stops inside the liquidation distance `room` (and under the
    profile's caps), an increasing ladder whose fractions sum to at most 1."""
    room = min(room, Decimal(1))
    # No stop fits (a leverage the venue's brackets would refuse at that size): stops off.
    stops = ["percent", "atr"] if caps else ["off", "percent", "atr"]
    if room <= 0:
        stops, room = ["off"], Decimal(1)
    stop_bound = min(room, caps.get("strategy.exits.stop_loss_pct", room))
    rungs = draw(st.integers(min_value=0, max_value=4))
    distances = sorted(
        draw(
            st.sets(
                decimals("0", "1", low_open=True, high_open=True), min_size=rungs, max_size=rungs
            )
        )
    )
    share = str(Decimal(1) / rungs) if rungs else "1"
    trailing = draw(st.sampled_from(stops if "off" in stops else ["off", *stops]))
    fee = draw(decimals("0", "0.01"))
    break_even = draw(st.one_of(st.just(Decimal(0)), decimals(str(fee), "10", low_open=True)))
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    return ExitsSection(
        stop_loss=draw(st.sampled_from(stops)),
        stop_loss_pct=draw(decimals("0", str(stop_bound), low_open=True, high_open=True)),
        stop_loss_atr=draw(decimals("0", "100", low_open=True)),
        take_profit_distances=tuple(distances),
        take_profit_fractions=tuple(
            draw(decimals("0", share, low_open=True)) for _ in range(len(distances))
        ),
        trailing=trailing,
        trailing_pct=draw(decimals("0", str(room), low_open=True, high_open=True)),
        trailing_activation_pct=(Decimal(0) if trailing == "off" else draw(decimals("0", "10"))),
        break_even_after_pct=break_even,
        break_even_fee_pct=fee,
        max_holding_s=draw(decimals("0", "31536000")),
        flatten_at_utc=draw(st.sampled_from(["", f"{hour:02d}:{minute:02d}"])),
        atr_window=draw(st.integers(min_value=1, max_value=10_000)),
    )


@st.composite
def market_rules(draw: st.DrawFn) -> MarketRules:
    step = draw(decimals("0", "10", low_open=True))
    return MarketRules(
        tick_size=draw(decimals("0", "10", low_open=True)),
        step_size=step,
        min_size=step * draw(st.integers(min_value=1, max_value=100)),
        min_notional=draw(decimals("0", "100")),
        max_leverage=draw(decimals("1", "200")),
    )


def exact(value: Any) -> Any:
    """Decimals by their exact digits and exponent, so `5` and `5.0` count as different."""
    if isinstance(value, Decimal):
        return ("decimal", value.as_tuple())
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [exact(v) for v in value]
    return value
