"""Pure domain: models and rules. Nothing here does I/O or imports an I/O library."""
