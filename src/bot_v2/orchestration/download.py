"""Building `perps-bot data download`: the venue's public history over ccxt (no keys, whatever the
environment holds), the download directory, and the service that joins them."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bot_v2.adapters.brokers.ccxt import RetryPolicy
from bot_v2.adapters.brokers.ccxt.public_history import CcxtPublicHistory
from bot_v2.adapters.replay.recorded_files import RecordedFiles
from bot_v2.adapters.venues.registry import VENUES
from bot_v2.domain.errors import ConfigError
from bot_v2.features.market_data.download.service import DownloadService
from bot_v2.orchestration.config.models import BotConfig


def _wall_ms() -> int:
    return int(time.time() * 1000)


def public_history(config: BotConfig, exchange: str) -> CcxtPublicHistory:
    """The venue's public data without credentials: nothing a download sends is signed. The
    config's `broker.ccxt_config` (proxies, timeouts, URLs) and `broker.max_retry_after_s` apply."""
    venue = VENUES.get(exchange)
    if venue is None:
        supported = ", ".join(sorted(VENUES))
        raise ConfigError(
            [f"--exchange: {exchange!r} is not a supported venue (supported: {supported})"]
        )
    return CcxtPublicHistory(
        venue,
        ccxt_config=config.broker.ccxt_config,
        quote_asset=config.bot.quote_asset,
        retry=RetryPolicy(max_retry_after_s=float(config.broker.max_retry_after_s)),
    )


def download_service(
    config: BotConfig,
    exchange: str,
    out: Path,
    *,
    on_total: Callable[[int], None],
    on_page: Callable[[int], None],
) -> DownloadService:
    files = RecordedFiles(out, exchange)
    # The place is checked before the venue is built: an unwritable --out costs no request.
    files.check_writable()
    return DownloadService(
        public_history(config, exchange), files, _wall_ms, on_total=on_total, on_page=on_page
    )
