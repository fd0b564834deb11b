"""REST API of the alerts app (DRF views and serializers), one module per resource."""
