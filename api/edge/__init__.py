"""What every request crosses outside the routers: body limits, the text rules and their
edge check, and the response models the OpenAPI document declares."""
