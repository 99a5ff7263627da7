"""A logging filter keeping personal data out of the console log (settings.LOGGING).

Imported by logging configuration before Django's apps load, so it imports nothing of Django's.
"""

from __future__ import annotations

import logging
import traceback


class NoRequestDataFilter(logging.Filter):
    """Drop what Django attaches to request log records that could hold personal data: the
    request (body, cookies, headers) and an exception's message (e.g. a database error quoting
    a value). Where the error happened, and its type, are kept for whoever runs the service."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, tb = record.exc_info
            frames = "".join(traceback.format_tb(tb))
            record.exc_text = (
                f"Traceback (most recent call last):\n{frames}{kind.__name__}: (message withheld)"
            )
            record.exc_info = None
        return True
