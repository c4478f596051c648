"""Health, metrics and progress for operators. Reads the bot only through the reports it is handed."""
