"""Resource class and trait names: the standard ones come from os-resource-classes and os-traits
(the lists Placement itself uses); custom ones are CUSTOM_[A-Z0-9_]+ and live in the database."""

from __future__ import annotations

import re
import uuid as uuidlib

import os_resource_classes
import os_traits
from oslo_utils import uuidutils

STANDARD_CLASSES: tuple[str, ...] = tuple(os_resource_classes.STANDARDS)
STANDARD_CLASS_SET = frozenset(STANDARD_CLASSES)
STANDARD_TRAITS: frozenset[str] = frozenset(os_traits.get_traits())

NAME_RE = re.compile(r"^[A-Z0-9_]+$")
CUSTOM_RE = re.compile(r"^CUSTOM_[A-Z0-9_]+$")
#: Placement's limit on a name stored in a String(255) column
MAX_NAME = 255
MAX_INT = 2147483647


def is_custom(name: str) -> bool:
    return bool(CUSTOM_RE.match(name)) and len(name) <= MAX_NAME


def is_uuid(value: str) -> bool:
    """Placement's notion: oslo's uuidutils.is_uuid_like."""
    return uuidutils.is_uuid_like(value)


def dashed(value: str) -> str:
    """Placement's normal form of a UUID it stores as a key (a provider's, a consumer's)."""
    return str(uuidlib.UUID(value))
