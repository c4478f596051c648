"""report.html: the backtest as one offline page (summary, price charts with the trades and the
strategy's indicators, trades table, monthly returns, slots). docs/backtesting.md."""
