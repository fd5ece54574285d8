"""Microversion negotiation (`OpenStack-API-Version: <service> X.Y` and Nova's legacy header).

Follows Nova: no header means the minimum, `latest` means the maximum, a version outside
the advertised range is a 406, a malformed one a 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from nubo.core.errors import BadRequest, NotAcceptable

_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


@dataclass(frozen=True, order=True)
class APIVersion:
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> APIVersion:
        found = _PARSED.get(text)
        if found is not None:
            return found
        m = _VERSION_RE.match(text.strip())
        if not m:
            raise BadRequest(f"API Version String {text} is of invalid format. Must be of "
                             "format MajorNum.MinorNum.")
        found = APIVersion(int(m.group(1)), int(m.group(2)))
        if len(_PARSED) < 1024:      # routes' and views' bounds, and the usual headers
            _PARSED[text] = found
        return found

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def matches(self, lo: str | None = None, hi: str | None = None) -> bool:
        """True when lo <= self <= hi (either bound may be open)."""
        if lo is not None and self < APIVersion.parse(lo):
            return False
        return not (hi is not None and self > APIVersion.parse(hi))


#: versions already parsed: views and route tables compare against the same few literals on
#: every request (bounded, so that headers cannot grow it)
_PARSED: dict[str, APIVersion] = {}


@dataclass(frozen=True)
class VersionRange:
    service_type: str        # as it appears in the header: "compute", "volume", "placement"
    minimum: APIVersion
    maximum: APIVersion
    legacy_header: str | None = None   # e.g. "X-OpenStack-Nova-API-Version"

    def negotiate(self, headers: Mapping[str, str]) -> APIVersion:
        requested = self._requested(headers)
        if requested is None:
            return self.minimum
        if requested.strip().lower() == "latest":
            return self.maximum
        version = APIVersion.parse(requested)
        if not (self.minimum <= version <= self.maximum):
            raise NotAcceptable(
                f"Version {version} is not supported by the API. Minimum is {self.minimum} "
                f"and maximum is {self.maximum}.")
        return version

    def _requested(self, headers: Mapping[str, str]) -> str | None:
        value = headers.get("openstack-api-version")
        if value:
            # The header may carry several services: "compute 2.1, volume 3.0".
            for part in value.split(","):
                words = part.strip().split()
                if len(words) == 2 and words[0].lower() == self.service_type:
                    return words[1]
        if self.legacy_header:
            legacy = headers.get(self.legacy_header.lower())
            if legacy:
                return legacy
        return None

    def response_headers(self, version: APIVersion) -> dict[str, str]:
        headers = {"OpenStack-API-Version": f"{self.service_type} {version}",
                   "Vary": "OpenStack-API-Version"}
        if self.legacy_header:
            headers[self.legacy_header] = str(version)
            headers["Vary"] += f", {self.legacy_header}"
        return headers
