"""What a URL may carry that a log must not keep is masked in the server's access log: credentials
(the OGC API's ``api_key`` and ``token`` query parameters, as GDAL and QGIS may send them), so a
log file never signs anyone in, and search terms that may be personal data (the register search's
``q`` — an ID number, phone or name —, a CQL2 ``filter`` and a stated ``purpose``), so a log file
never holds a resident's identity."""

from __future__ import annotations

import logging
import re

#: Query parameters whose values are masked: credentials, then terms that may be personal data.
MASKED_PARAMS = ("api_key", "token", "q", "filter", "purpose")
SECRET_PARAM = re.compile(
    r"((?:^|[?&])(?:" + "|".join(MASKED_PARAMS) + r")=)[^&\s]*", re.IGNORECASE
)


def redact(text: str) -> str:
    """``text`` (a path with its query) with the values of the masked parameters replaced."""
    return SECRET_PARAM.sub(r"\1***", text)


class RedactCredentials(logging.Filter):
    """Masks credential and personal query parameters in uvicorn's access-log records (the path
    is the third of their arguments: client, method, path, HTTP version, status)."""

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
