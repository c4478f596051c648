"""Scriptable loopback websocket servers (127.0.0.1, port 0) that speak each venue's real format.

Faults: drop connections mid-frame, go silent without closing, inject raw frames (malformed JSON,
unknown events, stale sequence numbers), refuse new connections while a gate is closed."""

from wsloopback.binance import BinanceLoopback
from wsloopback.binance_user import BinanceUserLoopback
from wsloopback.bybit import BybitLoopback
from wsloopback.server import Conn, LoopbackServer

__all__ = ["BinanceLoopback", "BinanceUserLoopback", "BybitLoopback", "Conn", "LoopbackServer"]
