"""Open311 GeoReport v2 under ``/open311/v2/``: a thin view over the residents' channel."""
