"""The `perps-bot` command."""
