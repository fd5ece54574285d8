"""The placement API's microversions (1.0 to 1.39, as Placement in Yoga and later)."""

from __future__ import annotations

from nubo.core.microversion import APIVersion, VersionRange

MIN = APIVersion(1, 0)
MAX = APIVersion(1, 39)
VERSIONS = VersionRange("placement", MIN, MAX)
