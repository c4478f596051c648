"""IAccountNews: a venue that hands over the fills and funding payments it produced, so the account
sync books them as they are instead of asking the venue's history again every cycle. The sim
broker is one: its exchange records every fill and payment as it makes them. A live venue is not
(its news comes by REST or by its private stream), and IBroker's `fetch_fills` and
`fetch_funding` stay for every venue: reconciliation and a restart read the history with them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bot_v2.domain.fills import Fill, FundingPayment


@runtime_checkable
class IAccountNews(Protocol):
    def take_account_news(self) -> tuple[Sequence[Fill], Sequence[FundingPayment]]:
        """The fills and the funding payments, each oldest first, that the venue made since the
        last call (since it was opened, on the first), after bringing it up to the present. Each
        is handed over once; in memory, no I/O."""
