"""What a study leaves in the report directory and on the terminal: the table of best trials,
best.toml (a config layer `--config` takes as is), summary.json and the offline report.html."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w

from bot_v2.features.optimize.deflated import verdict
from bot_v2.features.optimize.walkforward import drift, importance
from bot_v2.orchestration.optimize.html import render_html
from bot_v2.orchestration.optimize.objective_source import Objective
from bot_v2.orchestration.optimize.runner import Outcome, TrialRow

TABLE_ROWS = 10


def best_params(outcome: Outcome) -> dict[str, object]:
    return dict(outcome.best[0].params)


def format_table(outcome: Outcome, objectives: Sequence[Objective]) -> str:
    """The best completed trials, best first (several objectives: the Pareto front)."""
    complete = [r for r in outcome.trials if r.state == "complete"]
    if len(objectives) == 1:
        shown = sorted(complete, key=lambda r: (-r.values[0], r.number))[:TABLE_ROWS]
    else:
        shown = list(outcome.best[:TABLE_ROWS])
    names = sorted({k for r in shown for k in r.params})
    header = ["trial", *[o.name for o in objectives], *names]
    lines = [header]
    for r in shown:
        lines.append(
            [
                str(r.number),
                *[f"{v:.4f}" for v in r.values],
                *[_text(r.params.get(n)) for n in names],
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)) for line in lines
    ]
    pruned = sum(1 for r in outcome.trials if r.state == "pruned")
    text.append(
        f"{len(complete)} complete, {pruned} pruned; out of sample over {len(outcome.folds)} "
        f"fold(s): sharpe {outcome.oos_score.sharpe:.2f}, return "
        f"{outcome.oos_score.profit * 100:.2f}%, max drawdown "
        f"{outcome.oos_score.max_drawdown * 100:.2f}%"
    )
    text.append(
        f"deflated Sharpe ratio of the best trial: {outcome.deflated:.3f} "
        f"({verdict(outcome.deflated)})"
    )
    return "\n".join(text)


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def best_toml(strategy: str, params: Mapping[str, object]) -> str:
    """A config layer with only the strategy and its chosen params."""
    table: dict[str, Any] = {"strategy": {"name": strategy, "params": {}}}
    for key, value in sorted(params.items()):
        table["strategy"]["params"][key] = float(value) if isinstance(value, Decimal) else value
    return "# Written by `perps-bot optimize`; use it with --config.\n" + tomli_w.dumps(table)


def summary(outcome: Outcome, strategy: str, objectives: Sequence[Objective]) -> dict[str, Any]:
    complete = [r for r in outcome.trials if r.state == "complete"]
    return {
        "strategy": strategy,
        "objectives": [o.name for o in objectives],
        "best": [_row(r) for r in outcome.best],
        "trials": {"complete": len(complete), "pruned": len(outcome.trials) - len(complete)},
        "folds": [
            {
                "fold": f.index,
                "trial": f.trial,
                "params": dict(f.params),
                "in_sample": f.in_sample.as_dict(),
                "out_of_sample": f.out_of_sample.as_dict(),
            }
            for f in outcome.folds
        ],
        "out_of_sample": outcome.oos_score.as_dict(),
        "parameter_drift": drift(outcome.folds),
        "parameter_importance": importance(
            [r.params for r in complete], [r.values[0] for r in complete]
        ),
        "deflated_sharpe": outcome.deflated,
        "verdict": verdict(outcome.deflated),
    }


def _row(r: TrialRow) -> dict[str, Any]:
    return {"trial": r.number, "params": dict(r.params), "values": list(r.values)}


def write_report(
    report_dir: Path, outcome: Outcome, strategy: str, objectives: Sequence[Objective]
) -> list[Path]:
    """Each file written whole under a temporary name and moved into place: a reader never sees
    half a file."""
    report_dir.mkdir(parents=True, exist_ok=True)
    data = summary(outcome, strategy, objectives)
    files = {
        "best.toml": best_toml(strategy, best_params(outcome)),
        "summary.json": json.dumps(data, indent=2, sort_keys=True, default=str) + "\n",
        "report.html": render_html(data, outcome),
    }
    written = []
    for name, text in files.items():
        path = report_dir / name
        partial = path.with_suffix(path.suffix + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
        written.append(path)
    return written
