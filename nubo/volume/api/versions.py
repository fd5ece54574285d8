"""The block storage API's microversions (`OpenStack-API-Version: volume 3.x`), Cinder's
3.0 to 3.71; the views show each field from the version Cinder added it in."""

from __future__ import annotations

from nubo.core.microversion import APIVersion, VersionRange

MIN = APIVersion(3, 0)
MAX = APIVersion(3, 71)
VERSIONS = VersionRange("volume", MIN, MAX)
#: when Cinder's v3 API last changed (its version document's `updated`)
UPDATED = "2023-08-31T00:00:00Z"
