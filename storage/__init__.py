"""Database tables, engine, queries and migrations."""
