"""Compute quota limits read from identity's unified limits (Nova's UnifiedLimitsDriver,
nova/limit/local.py and placement.py): the limits of service type `compute` for a project,
under Nova's resource names, turned into the legacy names the quota checks use. There are no
per-user limits; usage is counted as before (key pairs per user, the rest per project)."""

from __future__ import annotations

from typing import Literal, Protocol

#: Nova's unified limit names -> its legacy quota names
UNIFIED_NAMES = {
    "servers": "instances", "class:VCPU": "cores", "class:MEMORY_MB": "ram",
    "server_metadata_items": "metadata_items", "server_injected_files": "injected_files",
    "server_injected_file_content_bytes": "injected_file_content_bytes",
    "server_injected_file_path_bytes": "injected_file_path_bytes",
    "server_key_pairs": "key_pairs", "server_groups": "server_groups",
    "server_group_members": "server_group_members",
}
UNLIMITED = -1


class LimitSource(Protocol):
    async def project_limits(self, service_type: str, project_id: str | None,
                             region_id: str | None = None) -> dict[str, int]:
        """The limits in force by resource name for a project of the service of type
        `service_type`: the project's own limit where one is set, else the registered
        default (`project_id` None: the registered defaults only). A resource with neither
        is absent."""
        ...


class UnifiedQuotaLimits:
    def __init__(self, source: LimitSource, region_id: str | None,
                 strategy: Literal["require", "ignore"] = "require",
                 resources: tuple[str, ...] = ("servers",)) -> None:
        self.source = source
        self.region_id = region_id
        self.strategy = strategy
        self.resources = frozenset(resources)

    def _missing(self, name: str) -> int:
        """Nova's should_enforce for a resource without a registered limit: 0 (every
        request over quota) when the strategy requires it, else unlimited."""
        listed = name in self.resources
        enforced = listed if self.strategy == "require" else not listed
        return 0 if enforced else UNLIMITED

    async def limits(self, project_id: str | None, all_names: tuple[str, ...]
                     ) -> dict[str, int]:
        """Limits by legacy name for every name in `all_names` (those Nova's unified
        driver does not know, like floating_ips, are unlimited)."""
        found = await self.source.project_limits("compute", project_id, self.region_id)
        out = dict.fromkeys(all_names, UNLIMITED)
        for new, old in UNIFIED_NAMES.items():
            value = found[new] if new in found else self._missing(new)
            out[old] = UNLIMITED if value < 0 else value
        return out
