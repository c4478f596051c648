"""perps-bot: a trading bot for USDT-margined perpetual futures."""
