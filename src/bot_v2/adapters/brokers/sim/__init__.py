"""The simulated exchange: the `sim` broker."""
