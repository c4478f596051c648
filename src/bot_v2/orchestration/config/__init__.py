"""BotConfig and how it is loaded from profiles, files and the environment."""
