"""Credentials sent in a URL (the OGC API's ``api_key`` and ``token`` query parameters, as GDAL
and QGIS may send them) are masked in the server's access log, so a log file never signs anyone
in."""

from __future__ import annotations

import logging
import re

SECRET_PARAM = re.compile(r"((?:^|[?&])(?:api_key|token)=)[^&\s]*", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` (a path with its query) with the values of credential parameters masked."""
    return SECRET_PARAM.sub(r"\1***", text)


class RedactCredentials(logging.Filter):
    """Masks credential query parameters in uvicorn's access-log records (the path is the
    third of their arguments: client, method, path, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's path argument; never drop the record."""
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


REDACT = RedactCredentials()


def install() -> None:
    """Add the filter to uvicorn's access logger (once, however many apps are made)."""
    logging.getLogger("uvicorn.access").addFilter(REDACT)
