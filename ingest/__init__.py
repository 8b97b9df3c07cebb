"""Ingestion: configuration, shared types, the local store, and the fetchers that fill it."""
