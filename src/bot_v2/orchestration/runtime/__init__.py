"""The running bot: PerpsBot, its lifecycle and its cycle."""
