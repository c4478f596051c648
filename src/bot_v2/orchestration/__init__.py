"""The thin top: configuration, profiles, the container, builders and the runtime."""
