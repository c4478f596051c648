"""Alerts: what the journal records, translated into `Alert`s (journal_tap, events), filtered and
deduplicated (dispatcher) and delivered by one background worker per notifier (channel): bounded,
rate-limited, retried with backoff, never in the cycle's way. See docs/alerts.md."""
