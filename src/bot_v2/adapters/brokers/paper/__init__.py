"""The paper venue: the sim exchange on a live venue's public market data."""
