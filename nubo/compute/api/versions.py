"""The compute API's microversions. Raise MAX only together with what each version changes,
and record it in docs/api-versions.md."""

from __future__ import annotations

from nubo.core.microversion import APIVersion, VersionRange

MIN = APIVersion(2, 1)
MAX = APIVersion(2, 96)
VERSIONS = VersionRange("compute", MIN, MAX, legacy_header="X-OpenStack-Nova-API-Version")
