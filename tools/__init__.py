"""Developer tooling that the product does not ship (import-linter contract types)."""
