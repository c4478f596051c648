"""adapters/streams: the websocket plumbing every venue's stream shares (ws.py: connect, read,
helper loops; parsing.py, numbers.py, timeframes.py). The venue-specific transports and parsers live
in adapters/venues/<id>/; orchestration/streams.py composes them into a StreamingService."""
