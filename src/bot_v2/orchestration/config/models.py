"""The configuration as frozen attrs classes. cattrs structures them from TOML; `validation.py`
checks ranges so every error can name its path. Defaults here are the `prod` baseline; profiles
override them. Keep docs/configuration.md in step with this file."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs


@attrs.frozen
class BotSection:
    id: str = "perps-bot"
    symbols: tuple[str, ...] = ("BTC/USDT:USDT", "ETH/USDT:USDT")
    timeframe: str = "1h"
    # Empty means ./var/<profile>.
    data_dir: str = ""
    quote_asset: str = "USDT"
    # Live clock: seconds between cycles (replays ignore it and jump to the next candle).
    cycle_interval_s: Decimal = Decimal(60)


@attrs.frozen
class SimSection:
    initial_balance: Decimal = Decimal(10000)
    taker_fee: Decimal = Decimal("0.0005")
    maker_fee: Decimal = Decimal("0.0002")
    spread_bps: Decimal = Decimal(1)
    # Empty: the exchange lives in memory only. Set: it persists its own state there (crash tests).
    state_path: str = ""
    seed: int = 7
    # Per-symbol fee rates replacing taker_fee / maker_fee for that market.
    taker_fees: dict[str, Decimal] = attrs.field(factory=dict)
    maker_fees: dict[str, Decimal] = attrs.field(factory=dict)
    # "cross" or "isolated", for every symbol.
    margin_mode: str = "cross"
    # Taker impact: slippage * (candle range / open) * sqrt(size / candle volume); 0 disables it.
    slippage: Decimal = Decimal(1)
    # Relative noise on that impact, fixed per order by `seed` (0: none).
    slippage_noise: Decimal = Decimal(0)
    # Share of a candle's volume our limit orders may take, per side.
    volume_share: Decimal = Decimal("0.1")
    # Clearance fee on the notional of a liquidated position.
    liquidation_fee: Decimal = Decimal("0.0125")
    # "pessimistic" (stop first) or "optimistic" (take-profit first) when one candle reaches both.
    intrabar_order: str = "pessimistic"


@attrs.frozen
class BrokerSection:
    kind: str = "sim"
    exchange: str = "binanceusdm"
    sandbox: bool = False
    # Passed through to the ccxt constructor (options, urls, timeout ...).
    ccxt_config: dict[str, Any] = attrs.field(factory=dict)
    # Venue history (fills, funding) is read from the bot's first start less this look-back.
    history_lookback_s: Decimal = Decimal(3600)
    # The longest Retry-After a venue call waits out before retrying; a longer one fails the call.
    max_retry_after_s: Decimal = Decimal(30)
    sim: SimSection = SimSection()


@attrs.frozen
class ReplaySection:
    """Where the dev replay reads market data. `bundled:` paths resolve inside the package."""

    candles: dict[str, str] = attrs.field(factory=dict)
    mark: dict[str, str] = attrs.field(factory=dict)
    funding: dict[str, str] = attrs.field(factory=dict)
    # Wall-clock pause between replayed cycles, so a person can watch; 0 runs flat out.
    pace_ms: Decimal = Decimal(0)


@attrs.frozen
class ExitsSection:
    """`[strategy.exits]`: how a position is closed besides the strategy's own signals (docs/risk.md
    "Exits"). Percent distances are fractions of the price (0.04 is 4%)."""

    # "off", "percent" (stop_loss_pct from entry) or "atr" (stop_loss_atr x ATR, at most
    # stop_loss_pct, which also stands in until the ATR has atr_window candles).
    stop_loss: str = "percent"
    stop_loss_pct: Decimal = Decimal("0.04")
    stop_loss_atr: Decimal = Decimal(2)
    # The take-profit ladder: rung i closes take_profit_fractions[i] of the entry size once the
    # price is take_profit_distances[i] in profit. Empty: no ladder.
    take_profit_distances: tuple[Decimal, ...] = ()
    take_profit_fractions: tuple[Decimal, ...] = ()
    # "off", "percent" or "atr", like stop_loss, measured from the best price since entry.
    trailing: str = "off"
    trailing_pct: Decimal = Decimal("0.03")
    trailing_atr: Decimal = Decimal(3)
    # 0: the trailing stop follows from entry; else only once this far in profit.
    trailing_activation_pct: Decimal = Decimal(0)
    # 0: off; else the stop moves to entry plus break_even_fee_pct once this far in profit.
    break_even_after_pct: Decimal = Decimal(0)
    break_even_fee_pct: Decimal = Decimal("0.001")
    # 0: off; else the bot closes a position held this long.
    max_holding_s: Decimal = Decimal(0)
    # "": off; "HH:MM": the bot closes every position at that UTC time.
    flatten_at_utc: str = ""
    atr_window: int = 14


@attrs.frozen
class SizingSection:
    """[strategy.sizing]: how big a new position is (docs/risk.md, "Sizing"). Every method is
    bounded by the [risk] limits."""

    # fixed_fraction (strategy.position_fraction), fixed_notional, volatility_target, kelly.
    method: str = "fixed_fraction"
    notional: Decimal = Decimal(1000)
    risk_pct: Decimal = Decimal("0.01")
    atr_window: int = 14
    kelly_fraction: Decimal = Decimal("0.5")
    kelly_min_trades: int = 30
    kelly_cap: Decimal = Decimal("0.25")
    correlation_window: int = 48
    correlation_threshold: Decimal = Decimal("0.7")
    # 0 turns the correlation cap off.
    correlation_max_leverage: Decimal = Decimal(0)


@attrs.frozen
class EntrySection:
    """[strategy.entry]: how an opening order goes out (docs/strategies.md, "Entries")."""

    # "taker": a market order; "maker": a post-only limit at the touch.
    kind: str = "taker"
    reprice_after_s: Decimal = Decimal(60)
    max_reprices: int = 3
    # "market" or "cancel": what happens after the last re-priced wait.
    fallback: str = "market"


@attrs.frozen
class StrategySection:
    name: str = "baseline"
    # A user strategy: a Python file anywhere on disk defining the strategy `name`; empty: none.
    file: str = ""
    # The strategy's own parameters, kept as written: which class they structure into depends on
    # `name` (orchestration/config/strategy.py checks them against it).
    params: dict[str, object] = attrs.field(factory=dict)
    # Position notional = equity * position_fraction * leverage.
    position_fraction: Decimal = Decimal("0.2")
    leverage: Decimal = Decimal(2)
    exits: ExitsSection = ExitsSection()
    sizing: SizingSection = SizingSection()
    entry: EntrySection = EntrySection()


@attrs.frozen
class StrategySlot:
    """[[strategies]]: one of several strategies side by side (docs/strategies.md, "Slots")."""

    name: str = ""
    file: str = ""
    # How results name the slot; empty: the strategy's name.
    label: str = ""
    # The symbols this slot trades, each one of bot.symbols and in no other slot.
    symbols: tuple[str, ...] = ()
    # The share of equity the slot sizes from (0 < allocation <= 1; all slots sum to <= 1).
    allocation: Decimal = Decimal(1)
    params: dict[str, object] = attrs.field(factory=dict)


@attrs.frozen
class RiskSection:
    max_leverage: Decimal = Decimal(5)
    max_order_notional: Decimal = Decimal(50000)
    max_symbol_notional: Decimal = Decimal(100000)
    max_total_notional: Decimal = Decimal(200000)
    daily_loss_limit: Decimal = Decimal(2000)
    kill_switch: bool = False
    reduce_only: bool = False
    max_mark_staleness_s: Decimal = Decimal(30)


@attrs.frozen
class ProtectionsSection:
    """[protections]: portfolio protections (docs/risk.md, "Portfolio protections"); 0 turns
    each one off. The drawdown halt is on by default, and canary cannot turn it off."""

    max_drawdown_pct: Decimal = Decimal("0.2")
    breaker_losses: int = 0
    breaker_incidents: int = 0
    breaker_window_s: Decimal = Decimal(3600)
    breaker_cooldown_s: Decimal = Decimal(3600)
    stopout_cooldown_s: Decimal = Decimal(0)
    liquidation_min_atr: Decimal = Decimal(3)
    liquidation_min_pct: Decimal = Decimal("0.05")
    liquidation_reduce_pct: Decimal = Decimal("0.02")
    liquidation_reduce_fraction: Decimal = Decimal("0.5")
    maintenance_margin_rate: Decimal = Decimal("0.005")
    funding_max_bps: Decimal = Decimal(0)


@attrs.frozen
class MonitoringSection:
    http_host: str = "127.0.0.1"
    # 0 picks a free port; the bound address is printed and written to <data_dir>/http.addr.
    http_port: int = 8787
    # Wall-clock seconds between progress lines.
    status_interval_s: Decimal = Decimal(2)
    # /health answers 503 once this many cycles in a row failed (venue down, rate-limited).
    unhealthy_after_failed_cycles: int = 3


@attrs.frozen
class ApiSection:
    """The operator API (/api/v1) on monitoring.http_host:http_port, beside /health and /metrics.
    Tokens come only from PERPS_VIEWER_TOKEN and PERPS_OPERATOR_TOKEN (docs/console.md)."""

    enabled: bool = True
    # Lifetime of a browser session (the signed cookie POST /api/v1/login hands out).
    session_ttl_s: int = 3600
    # Failed logins allowed per client address per minute; the next ones answer 429.
    login_attempts_per_minute: int = 5
    # An idle keep-alive connection (and one that never sends a full request) is closed after this.
    idle_timeout_s: Decimal = Decimal(5)
    # Connections served at once; more are answered 503 at once instead of queueing.
    max_connections: int = 100
    # Largest request body; a bigger one is answered 413 before it is read.
    max_body_bytes: int = 65_536
    # Largest request line plus headers; a bigger one closes the connection.
    max_header_bytes: int = 16_384


@attrs.frozen
class StreamingSection:
    """Websocket market data for live profiles (binanceusdm, bybit); other venues, or
    enabled = false, poll REST instead. `user_stream` is the private stream (binanceusdm), on or
    off independently of the public one. See docs/streaming.md."""

    enabled: bool = False
    # No market data for this long while the socket is open counts as a stall.
    heartbeat_s: Decimal = Decimal(15)
    # While disconnected this long, marks are polled over REST every fallback_poll_s.
    fallback_after_s: Decimal = Decimal(2)
    fallback_poll_s: Decimal = Decimal(2)
    backoff_initial_s: Decimal = Decimal("0.5")
    backoff_max_s: Decimal = Decimal(30)
    # Empty: the venue's public endpoint. Set it to reach a proxy or a test server.
    url: str = ""
    # The private user data stream (orders and fills as they happen; binanceusdm). Fills reach the
    # ledger within one message; the REST sync every cycle stays as the backstop.
    user_stream: bool = False
    # Empty: the venue's endpoint (the listen key path is appended). For a proxy or a test server.
    user_url: str = ""


@attrs.frozen
class ReconciliationSection:
    interval_s: Decimal = Decimal(300)
    # What to do with open orders on the venue that the bot did not place: "cancel" or "adopt".
    unknown_orders: str = "cancel"
    # How long an order whose submit got no answer stays pending (never resent, its symbol
    # reduce-only) while lookups do not find it, before the bot alerts; 0: not found is final.
    pending_timeout_s: Decimal = Decimal(300)


@attrs.frozen
class ProtectionSection:
    """Protective orders the venue holds for each open position (docs/risk.md)."""

    # Tries, each with a fresh client id, to place a stop before `on_stop_failure` applies.
    placement_tries: int = 3
    # "close": the bot closes the position; "reduce_only": it blocks new exposure. Both alert.
    on_stop_failure: str = "close"
    # The price stops and take-profits trigger on: "mark" or "last".
    trigger_price: str = "mark"


@attrs.frozen
class MarketRules:
    """A market's exchange rules for the simulated exchange, when neither the bundled Binance
    metadata nor a venue snapshot beside the data has them. Every key is required: copy them from
    the venue (Binance: GET /fapi/v1/exchangeInfo, PRICE_FILTER, LOT_SIZE, MIN_NOTIONAL)."""

    tick_size: Decimal
    step_size: Decimal
    min_size: Decimal
    min_notional: Decimal
    max_leverage: Decimal


@attrs.frozen
class LoggingSection:
    """The run's log file in the data directory, <data_dir>/logs/perps-bot.log (.jsonl for json),
    rotated by size; stderr keeps its own level (--log-level)."""

    enabled: bool = True
    # "text" (the stderr line format) or "json" (one JSON object a line).
    format: str = "text"
    level: str = "INFO"
    # Rotate when the file would pass max_bytes; keep backup_count old files beside it.
    max_bytes: int = 10_000_000
    backup_count: int = 5


@attrs.frozen
class AlertsSection:
    """Alerts to a JSON webhook, Slack, Telegram or Discord (docs/alerts.md). Their URLs and tokens
    come from the environment only (PERPS_WEBHOOK_URL, PERPS_SLACK_WEBHOOK_URL, ...)."""

    # Which notifiers are on: any of "webhook", "slack", "telegram", "discord".
    notifiers: tuple[str, ...] = ()
    # "info", "warning" or "critical": alerts below it are not sent.
    min_severity: str = "info"
    # Per notifier; a burst of this many goes at once, later ones wait their turn.
    rate_limit_per_min: int = 20
    # The same alert (same kind and subject) again within this time is not sent again.
    dedup_window_s: Decimal = Decimal(300)
    # A stream down or on its REST fallback for longer than this raises stream_down.
    stream_down_after_s: Decimal = Decimal(60)
    # A position whose mark is closer than this fraction of the price to its estimated liquidation
    # raises liquidation_distance once (and once more when it recovers); 0 turns it off.
    liquidation_distance_pct: Decimal = Decimal("0.03")
    # A summary of each UTC day when the next one starts.
    daily_summary: bool = True
    # Sends per alert before it counts failed; waits backoff_s, doubling up to backoff_max_s (or
    # what a 429 asks).
    max_attempts: int = 5
    backoff_s: Decimal = Decimal(1)
    backoff_max_s: Decimal = Decimal(60)
    # Alerts waiting per notifier; when full, the oldest is dropped (and counted).
    queue_size: int = 100
    timeout_s: Decimal = Decimal(10)
    telegram_api_url: str = "https://api.telegram.org"


@attrs.frozen
class BotConfig:
    profile: str = "dev"
    bot: BotSection = BotSection()
    broker: BrokerSection = BrokerSection()
    replay: ReplaySection = ReplaySection()
    strategy: StrategySection = StrategySection()
    # Several strategies in slots; empty: [strategy] alone trades every symbol.
    strategies: tuple[StrategySlot, ...] = ()
    risk: RiskSection = RiskSection()
    protections: ProtectionsSection = ProtectionsSection()
    monitoring: MonitoringSection = MonitoringSection()
    api: ApiSection = ApiSection()
    streaming: StreamingSection = StreamingSection()
    reconciliation: ReconciliationSection = ReconciliationSection()
    protection: ProtectionSection = ProtectionSection()
    # [markets."XRP/USDT:USDT"]: rules for the simulated exchange, per symbol (docs/configuration.md).
    markets: dict[str, MarketRules] = attrs.field(factory=dict)
    logging: LoggingSection = LoggingSection()
    alerts: AlertsSection = AlertsSection()


@attrs.frozen
class Secrets:
    """From the environment only. repr never shows the values."""

    api_key: str = attrs.field(default="", repr=False)
    api_secret: str = attrs.field(default="", repr=False)
    api_password: str = attrs.field(default="", repr=False)
    # Alerts (docs/alerts.md): each URL and the bot token is a credential.
    webhook_url: str = attrs.field(default="", repr=False)
    slack_webhook_url: str = attrs.field(default="", repr=False)
    telegram_bot_token: str = attrs.field(default="", repr=False)
    telegram_chat_id: str = attrs.field(default="", repr=False)
    discord_webhook_url: str = attrs.field(default="", repr=False)

    @property
    def redacted(self) -> tuple[str, ...]:
        """Every value masked wherever text leaves the bot (the chat id is no credential)."""
        return (
            self.api_key,
            self.api_secret,
            self.api_password,
            self.webhook_url,
            self.slack_webhook_url,
            self.telegram_bot_token,
            self.discord_webhook_url,
        )

    @property
    def present(self) -> bool:
        return bool(self.api_key and self.api_secret)
