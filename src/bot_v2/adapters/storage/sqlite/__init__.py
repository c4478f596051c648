"""SQLite state store (WAL, one writer, versioned schema)."""
