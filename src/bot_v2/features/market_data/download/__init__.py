"""`perps-bot data download`: a venue's public history to files the backtest reads."""
