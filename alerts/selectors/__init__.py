"""Reads of the alerts app, one module per concern."""
