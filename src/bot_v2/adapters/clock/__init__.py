"""Wall clocks for live trading."""
