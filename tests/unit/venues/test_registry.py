"""The venue registry: one Venue per folder, each consistent with itself, the template complete
and unregistered, and an unknown venue refused in one line naming the config key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot_v2.adapters.venues import _template, registry
from bot_v2.adapters.venues.venue import Venue
from bot_v2.domain.errors import ConfigError

VENUES_DIR = Path(registry.__file__).parent
TEMPLATE_README = (VENUES_DIR / "_template" / "README.md").read_text()


def test_the_three_venues_are_registered_under_their_ccxt_ids() -> None:
    assert sorted(registry.VENUES) == ["binanceusdm", "bybit", "krakenfutures", "okx"]
    for exchange_id, venue in registry.VENUES.items():
        assert venue.exchange_id == exchange_id
        assert venue.protective is None or venue.protective.exchange_id == exchange_id


def test_a_private_stream_comes_with_the_listen_key_it_needs() -> None:
    for venue in registry.VENUES.values():
        assert (venue.user_stream is not None) == (venue.profile.listen_key is not None)


def test_which_venues_stream() -> None:
    streams = {
        v.exchange_id: (bool(v.public_stream), bool(v.user_stream))
        for v in registry.VENUES.values()
    }
    assert streams == {
        "binanceusdm": (True, True),
        "bybit": (True, False),
        "krakenfutures": (False, False),
        "okx": (False, False),
    }


def test_registering_a_venue_twice_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "VENUES", dict(registry.VENUES))
    with pytest.raises(ValueError, match="'bybit' is registered twice"):
        registry.register(registry.VENUES["bybit"])


def test_an_unknown_venue_is_one_config_line() -> None:
    with pytest.raises(ConfigError) as caught:
        registry.venue("polymarket")
    assert caught.value.lines == [
        "config.broker.exchange: 'polymarket' is not a supported venue "
        "(supported: binanceusdm, bybit, krakenfutures, okx)"
    ]


def test_the_template_is_a_venue_but_not_registered() -> None:
    assert isinstance(_template.VENUE, Venue)
    assert _template.VENUE.exchange_id not in registry.VENUES


def test_every_venue_folder_holds_the_files_the_template_marks_required() -> None:
    required = re.findall(r"^\| `([\w.]+)` \| \*\*required\*\* \|", TEMPLATE_README, re.M)
    assert required == ["__init__.py", "profile.py"]
    for exchange_id in registry.VENUES:
        for name in required:
            assert (VENUES_DIR / exchange_id / name).is_file(), f"{exchange_id}/{name}"


def test_public_page_limits_name_only_series_kinds() -> None:
    # A misspelt kind would silently fall back to 100 rows per page in `data download`.
    for venue in registry.VENUES.values():
        assert set(venue.profile.public_page_limits) <= {"candles", "mark", "funding"}
        assert all(n > 0 for n in venue.profile.public_page_limits.values())
