"""Places: the router, the service (create-or-resend, patch) and the attributes."""
