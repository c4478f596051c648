"""Strategies: turn closed candles into target-direction signals. Add one with a new file and one line
in `registry.STRATEGIES`."""
