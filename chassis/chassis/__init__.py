"""Plumbing shared by every service: one copy, used by all four."""
