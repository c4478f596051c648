"""Walk-forward windows: N folds, each a train window and the test window right after it.

Rolling: every train window has the same length and slides by one test length. Anchored: every
train window starts at the data's start and grows by one test length. The last test window ends at
the data's end, so the most recent data is always out of sample."""

from __future__ import annotations

import re

import attrs

from bot_v2.domain.errors import ConfigError

UNITS_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
SCHEMES = ("rolling", "anchored")


@attrs.frozen
class Fold:
    index: int
    train_start_ms: int
    train_end_ms: int  # excluded; the test starts here
    test_end_ms: int  # excluded

    @property
    def test_start_ms(self) -> int:
        return self.train_end_ms


def parse_span(text: str, flag: str) -> int:
    """`120d`, `36h`, `90m`, `2w` in milliseconds."""
    found = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", text)
    if found is None or int(found.group(1)) <= 0:
        raise ConfigError([f"{flag}: expected a length like 120d, 36h, 90m or 2w, got {text!r}"])
    return int(found.group(1)) * UNITS_MS[found.group(2)]


def make_folds(
    start_ms: int, end_ms: int, folds: int, train_ms: int, test_ms: int, scheme: str = "rolling"
) -> tuple[Fold, ...]:
    """The folds over the data's [start_ms, end_ms); ConfigError when they do not fit in it."""
    if folds < 1:
        raise ConfigError([f"--walk-forward: must be >= 1 fold, got {folds}"])
    if scheme not in SCHEMES:
        raise ConfigError([f"--scheme: must be one of {', '.join(SCHEMES)}, got {scheme!r}"])
    need = train_ms + folds * test_ms
    have = end_ms - start_ms
    if need > have:
        raise ConfigError(
            [
                f"--walk-forward {folds} --train {_days(train_ms)} --test {_days(test_ms)}: the "
                f"windows need {_days(need)} of data, the data holds {_days(have)}"
            ]
        )
    # The last test window ends at the data's end; unused data goes before the first fold.
    first_train_end = end_ms - folds * test_ms
    out = []
    for i in range(folds):
        train_end = first_train_end + i * test_ms
        train_start = start_ms if scheme == "anchored" else train_end - train_ms
        out.append(Fold(i, train_start, train_end, train_end + test_ms))
    return tuple(out)


def _days(ms: int) -> str:
    if ms % UNITS_MS["d"] == 0:
        return f"{ms // UNITS_MS['d']}d"
    return f"{ms / UNITS_MS['d']:.1f}d"
