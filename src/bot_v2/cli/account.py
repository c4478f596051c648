"""`perps-bot account snapshot --profile P [--json]`."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import attrs

from bot_v2.orchestration.account_views import AccountSnapshot, account_snapshot
from bot_v2.orchestration.builders import container_for
from bot_v2.orchestration.config import LoadedConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, int | float | str):
        return value.value  # enums
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def as_json(snapshot: AccountSnapshot) -> str:
    return json.dumps(_plain(attrs.asdict(snapshot, recurse=True)), indent=2)


def as_table(s: AccountSnapshot) -> str:
    lines = [
        f"exchange  {s.exchange}",
        f"balance   {s.balance.total:,.2f} {s.balance.asset} (free {s.balance.free:,.2f})",
        "",
        f"{'symbol':<16} {'size':>12} {'entry':>12} {'mark':>12} {'uPnL':>10} {'lev':>4} "
        f"{'margin':<8} {'liq':>12}",
    ]
    for p in s.positions:
        liq = f"{p.liquidation_price:,.2f}" if p.liquidation_price is not None else "-"
        lines.append(
            f"{p.symbol:<16} {p.size:>12} {p.entry_price:>12,.2f} {p.mark_price:>12,.2f} "
            f"{p.unrealized_pnl:>10,.2f} {p.leverage or '-':>4} {p.margin_mode:<8} {liq:>12}"
        )
    if not s.positions:
        lines.append("(no positions)")
    lines += ["", f"{'symbol':<16} {'leverage':>8} {'margin':<9} {'maker':>8} {'taker':>8}"]
    for symbol in s.leverage:
        fee = s.fees.get(symbol)
        lines.append(
            f"{symbol:<16} {s.leverage[symbol] or '-':>8} {s.margin_mode[symbol] or '-':<9} "
            f"{fee.maker if fee else '-':>8} {fee.taker if fee else '-':>8}"
        )
    lines += ["", f"{'open order':<28} {'symbol':<16} {'side':<5} {'size':>10} {'price':>12}"]
    for o in s.open_orders:
        lines.append(
            f"{o.client_order_id:<28} {o.symbol:<16} {o.side.value:<5} {o.remaining:>10} "
            f"{o.price or '-':>12}"
        )
    if not s.open_orders:
        lines.append("(no open orders)")
    return "\n".join(lines)


def run(loaded: LoadedConfig, want_json: bool) -> int:
    snapshot = asyncio.run(account_snapshot(container_for(loaded)))
    print(as_json(snapshot) if want_json else as_table(snapshot))
    return 0
