"""IBotRuntime: what services may ask of the running bot, without importing it."""

from __future__ import annotations

from typing import Protocol


class IBotRuntime(Protocol):
    @property
    def profile(self) -> str: ...

    @property
    def cycle_count(self) -> int: ...

    @property
    def reduce_only(self) -> bool: ...

    def enter_reduce_only(self, reason: str) -> None:
        """Block new exposure; closing orders still go out."""

    def request_stop(self, reason: str) -> None: ...
