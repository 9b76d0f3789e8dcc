"""REST API v1 (FastAPI). Routes translate HTTP to service calls and back, nothing more."""
