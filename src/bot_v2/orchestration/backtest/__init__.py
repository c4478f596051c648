"""Backtests: the live cycle (or a fast path that skips what cannot matter) over the simulated
exchange and recorded data, with reports."""
