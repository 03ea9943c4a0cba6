"""Telegram side of kinerja-bot: application assembly, settings, message texts."""
