"""`perps-bot strategy list|new`: what strategies there are (name, one line, parameters with
defaults and ranges) and a template to write one's own.

    perps-bot strategy list [--strategy-file PATH]
    perps-bot strategy new NAME          # writes ./strategies/NAME.py
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from bot_v2.cli.errors import EXIT_USAGE
from bot_v2.cli.strategy_template import TEMPLATE
from bot_v2.features.live_trade.strategies.params import bounds_of, doc_of
from bot_v2.orchestration.config.strategy import params_class_of
from bot_v2.orchestration.strategy_source import (
    StrategyNotFound,
    file_strategies,
    known_strategies,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perps-bot strategy", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    list_p = sub.add_parser("list", help="every strategy with its parameters")
    list_p.add_argument("--strategy-file", default=None, metavar="PATH", help="also list this file")
    new_p = sub.add_parser("new", help="write ./strategies/NAME.py from a template")
    new_p.add_argument("name", help="the strategy's name (a Python identifier)")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if args.action == "new":
        return _new(args.name)
    return _list(args.strategy_file)


def _list(file: str | None) -> int:
    found: list[tuple[str, Any]] = sorted(known_strategies().items())
    if file is not None:
        try:
            found += [(cls.name, cls) for cls in file_strategies(file)]
        except StrategyNotFound as exc:
            print(f"perps-bot: {exc}", file=sys.stderr)
            return EXIT_USAGE
    for name, cls in found:
        print(f"{name}: {_first_line(cls)}")
        with contextlib.suppress(Exception):  # a table's class is known only once resolved
            attrs.resolve_types(cls.params_type)
        for field in attrs.fields(cls.params_type):
            bounds = bounds_of(field)
            text = f"  {field.name} = {_default(field)}"
            if bounds is not None:
                text += f"  ({bounds.describe()})"
            if doc_of(field):
                text += f"  {doc_of(field)}"
            print(text)
    return 0


def _first_line(cls: Any) -> str:
    module = sys.modules.get(cls.__module__)
    doc = (module.__doc__ if module is not None else None) or cls.__doc__ or ""
    paragraph = " ".join(doc.strip().split("\n\n")[0].split())
    return paragraph.split(". ")[0].rstrip(".") or "(no description)"


def _default(field: attrs.Attribute[Any]) -> str:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return "(computed)"
    if isinstance(default, bool):
        return "true" if default else "false"
    if default is None and params_class_of(field.type) is not None:
        return "[table]"  # an ensemble member's own params, absent by default
    return str(default)


def _new(name: str) -> int:
    if not name.isidentifier():
        print(f"perps-bot: strategy name {name!r}: must be a Python identifier", file=sys.stderr)
        return EXIT_USAGE
    path = Path("strategies") / f"{name}.py"
    if path.exists():
        print(f"perps-bot: {path}: already exists; not overwritten", file=sys.stderr)
        return EXIT_USAGE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.format(name=name, path=path), encoding="utf-8")
    print(f"wrote {path}; try: perps-bot strategy list --strategy-file {path}")
    return 0
