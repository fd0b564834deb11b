"""HTML pages of the alerts app, one module per area."""
