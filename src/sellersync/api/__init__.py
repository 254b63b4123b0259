"""The HTTP API: FastAPI app factory, dependencies, and routes per resource."""
