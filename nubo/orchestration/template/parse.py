"""Reading a template or an environment: YAML (a superset of JSON) with Heat's limits.

Dates stay text (`heat_template_version: 2018-08-31` is a version, not a date), and a
syntax error says the line and column, as Heat's does.
"""

from __future__ import annotations

from typing import Any

import yaml

from nubo.orchestration.errors import bad

#: Heat's max_template_size
MAX_TEMPLATE_BYTES = 524288

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """A safe loader that keeps timestamps as text."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in _Base.yaml_implicit_resolvers.items()}


def load(text: str | bytes, what: str = "template") -> dict[str, Any]:
    """The mapping in `text`; Heat's 400 when it is too big, not YAML or not a mapping."""
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_TEMPLATE_BYTES:
        raise bad(f"Request limit exceeded: Template size ({size} bytes) exceeds maximum "
                  f"allowed size ({MAX_TEMPLATE_BYTES} bytes).")
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise bad(f"Error parsing {what} JSON/YAML{where}: {exc.problem or exc}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise bad(f"Error parsing {what} JSON/YAML: {exc}") from None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise bad(f"The {what} is not a JSON object or YAML mapping.")
    return doc
