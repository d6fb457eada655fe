"""The funds service."""
