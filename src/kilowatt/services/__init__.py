"""Use cases. The only way in for OCPP handlers, REST routes, web pages and jobs."""
