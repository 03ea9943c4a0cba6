"""Conversation and command handlers, one module per actor or flow."""
