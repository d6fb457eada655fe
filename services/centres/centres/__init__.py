"""The centres service."""
