"""Replayed market data: CSV files become a feed, a clock that jumps candle to candle, and a stream."""
