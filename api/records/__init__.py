"""Records: the router, the service (plan, create, patch, case loop), the one writer of new
records (``create.store_new``: SQLite transaction or PostGIS group commit), the direct ASGI entry
and the views."""
