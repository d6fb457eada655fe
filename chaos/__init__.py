"""Fault injection and reconciliation: proof that no credit is lost or doubled (``make chaos``)."""
