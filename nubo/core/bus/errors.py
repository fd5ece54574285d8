"""Why a bus could not be opened (transport.py raises it, amqp/connection.py too)."""

from __future__ import annotations

from urllib.parse import urlsplit


class BusOpenError(Exception):
    """The bus could not be opened: a bad URL, a broker that cannot be reached, or one that
    refused the credentials. The message says which, without the password."""


def safe_url(url: str) -> str:
    """`url` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
