"""Package data: bundled market data and its provenance."""
