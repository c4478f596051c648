"""Market data: candle windows per symbol, latest marks, gap detection."""
