"""HTTP: a thin FastAPI layer that only translates requests into channel and ingress calls."""
