"""The operator API: /health and /metrics over HTTP on loopback."""
