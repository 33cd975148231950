"""Logging filters for the LOGGING setting."""


def without_traceback(record) -> bool:
    """Log the record as its one line: a refused Host header (DisallowedHost) is a scanner's
    request, not a bug, and each one would otherwise write a whole traceback."""
    record.exc_info = None
    record.exc_text = None
    return True
