"""A stand-in for the Telegram Bot API on 127.0.0.1, used by the tests and `make demo`."""
