"""`perps-bot orders preview ...`: every risk check and quantization, nothing sent."""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal, InvalidOperation

from bot_v2.domain.errors import ConfigError, InvalidSymbol
from bot_v2.domain.orders import OrderType, Side
from bot_v2.domain.symbols import normalize_symbol
from bot_v2.features.live_trade.preview import OrderPreview
from bot_v2.orchestration.account_views import order_preview
from bot_v2.orchestration.builders import container_for
from bot_v2.orchestration.config import LoadedConfig


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--symbol", required=True)
    parser.add_argument("--side", required=True, choices=[s.value for s in Side])
    parser.add_argument("--type", default="market", choices=[t.value for t in OrderType])
    parser.add_argument("--size", required=True, type=_decimal)
    parser.add_argument("--price", type=_decimal, default=None)
    parser.add_argument("--reduce-only", action="store_true")


def render(p: OrderPreview) -> str:
    lines = []
    if p.request is not None:
        r = p.request
        price = f" @ {r.price}" if r.price is not None else ""
        lines.append(
            f"order     {r.side.value} {r.size} {r.symbol} {r.type.value}{price}"
            f"{' reduce-only' if r.reduce_only else ''}"
        )
        lines.append(
            f"asked     size {p.asked_size}{f' price {p.asked_price}' if p.asked_price else ''}"
        )
        lines.append(f"notional  {p.notional:,.2f}")
    for problem in p.problems:
        lines.append(f"problem   {problem}")
    for rule in p.rules:
        lines.append(
            f"{'pass' if rule.approved else 'REJECT':<9} {rule.rule}{': ' + rule.reason if rule.reason else ''}"
        )
    if p.request is not None:
        rate = p.funding_rate
        lines.append(
            f"funding   next rate {rate} ({rate * 10_000:.2f} bps per settlement)"
            if rate is not None
            else "funding   next rate unknown (the funding guard passes)"
        )
    for line in p.protection:
        lines.append(f"protect   {line}")
    lines.append(
        "verdict   would send (not sent: preview only)"
        if p.would_send
        else "verdict   would NOT send"
    )
    return "\n".join(lines)


def run(loaded: LoadedConfig, args: argparse.Namespace) -> int:
    try:
        symbol = normalize_symbol(args.symbol)
    except InvalidSymbol as exc:
        raise ConfigError([f"--symbol: {exc}"]) from None
    preview = asyncio.run(
        order_preview(
            container_for(loaded),
            symbol=symbol,
            side=Side(args.side),
            order_type=OrderType(args.type),
            size=args.size,
            price=args.price,
            reduce_only=args.reduce_only,
        )
    )
    print(render(preview))
    return 0 if preview.would_send else 1
