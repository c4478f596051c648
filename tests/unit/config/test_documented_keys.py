"""docs/configuration.md documents every key of BotConfig, in its section, with the model's default:
a key added to the model without its line in the docs fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import attrs

from bot_v2.orchestration.config.models import BotConfig
from bot_v2.orchestration.config.validation import numeric_ranges

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
SECTION = re.compile(r"^###\s+`\[([\w.]+)\]`")
ROW = re.compile(r"^\|\s*`(\w+)`\s*\|")


def documented_defaults() -> dict[tuple[str, str], str]:
    """(section, key) -> the Default cell, from each section's table."""
    return documented("Default")


def documented(column: str) -> dict[tuple[str, str], str]:
    """(section, key) -> that column's cell, from each section's table."""
    out: dict[tuple[str, str], str] = {}
    section: str | None = None
    header: list[str] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if match := SECTION.match(line):
            section, header = match.group(1), None
        elif line.startswith("### Top level"):
            section, header = "", None
        elif line.startswith("## "):
            section = None
        elif line.startswith("| Key"):
            header = cells(line)
        elif (match := ROW.match(line)) and section is not None and header is not None:
            out[(section, match.group(1))] = cells(line)[header.index(column)].strip("`")
    return out


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def model_defaults(cls: type, prefix: str = "") -> Iterator[tuple[str, str, object]]:
    for field in attrs.fields(cls):
        default = field.default
        if isinstance(default, attrs.Factory):
            default = default.factory()
        if attrs.has(type(default)):
            yield from model_defaults(type(default), f"{prefix}.{field.name}".lstrip("."))
        else:
            yield prefix, field.name, default


def as_written(value: object) -> str | None:
    """The default as the docs write it, or None for values the docs describe in words."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(f'"{item}"' for item in value) + "]"
    if value == {}:
        return "{}"
    return None


def test_every_key_is_documented_with_its_default() -> None:
    documented = documented_defaults()
    problems = []
    for section, key, default in model_defaults(BotConfig):
        place = f"[{section}] {key}" if section else key
        if (section, key) not in documented:
            problems.append(f"{place}: not in docs/configuration.md")
            continue
        written = as_written(default)
        if written is not None and written != documented[(section, key)]:
            problems.append(f"{place}: default {written}, docs say {documented[(section, key)]}")
    assert problems == []


def test_every_numeric_range_is_documented() -> None:
    ranges = documented("Range")
    problems = []
    for path, bounds in numeric_ranges().items():
        section, _, key = path.rpartition(".")
        cell = ranges.get((section, key), "")
        if bounds.describe() not in cell:
            problems.append(f"{path}: range {bounds.describe()}, docs say {cell!r}")
    assert problems == []


def test_the_check_sees_the_tables() -> None:
    # Guards the parser: a broken regex would document nothing and the test above would only
    # report every key missing, but a table format change could also match nothing at all.
    documented = documented_defaults()
    assert ("risk", "max_leverage") in documented
    assert ("broker.sim", "taker_fee") in documented
    assert len(documented) >= len(list(model_defaults(BotConfig)))
