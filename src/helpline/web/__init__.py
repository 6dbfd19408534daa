"""HTTP edge: FastAPI app factory, API routers, WebSockets and pages."""
