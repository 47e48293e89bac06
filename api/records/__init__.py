"""Records: the router, the service (plan, create, patch, case loop), the plain-record
writers (SQLite statements, PostGIS group commit), the direct ASGI entry and the views."""
