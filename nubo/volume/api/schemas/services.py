"""os-services bodies: enable/disable (host, binary), disable-log-reason, freeze/thaw."""

from __future__ import annotations

from typing import Any

SERVICE_ACTION: dict[str, Any] = {
    "type": "object",
    "properties": {"host": {"type": "string", "maxLength": 255},
                   "binary": {"type": "string", "maxLength": 255},
                   "service": {"type": "string", "maxLength": 255},
                   "disabled_reason": {"type": ["string", "null"]},
                   "cluster": {"type": ["string", "null"]}},
    "additionalProperties": False,
}
