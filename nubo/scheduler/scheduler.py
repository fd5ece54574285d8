"""Pick a host: placement query, filters, weighers, then an atomic claim.

When nothing fits, the error says why, counted per step, e.g.
`No valid host was found. 40 hosts; placement: 12 without 8192 MEMORY_MB; ...;
AvailabilityZoneFilter removed 28.`
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from nubo.placement.service import Candidate, PlacementService
from nubo.scheduler.filters import DEFAULT_FILTERS, HostFilter, HostState, RequestSpec

LOG = logging.getLogger("nubo.scheduler")


class NoValidHost(Exception):
    def __init__(self, explanation: str) -> None:
        super().__init__(f"No valid host was found. {explanation}")
        self.explanation = explanation


@dataclass(frozen=True)
class Selection:
    host: str
    provider_uuid: str
    allocations: dict[str, dict[str, int]]


def _bind(then: Callable[[AsyncSession, Selection], Awaitable[bool]], sel: Selection
          ) -> Callable[[AsyncSession], Awaitable[bool]]:
    async def run(s: AsyncSession) -> bool:
        return await then(s, sel)
    return run


class Scheduler:
    def __init__(self, placement: PlacementService,
                 filters: Sequence[HostFilter] = tuple(DEFAULT_FILTERS),
                 weights: dict[str, float] | None = None,
                 max_placement_results: int = 100) -> None:
        self.placement = placement
        #: as Nova's [scheduler] max_placement_results: enough hosts to filter and weigh,
        #: without summarising every provider of a large cloud on every boot
        self.max_placement_results = max_placement_results
        self.filters = list(filters)
        #: multipliers: positive spreads (prefers free capacity), negative packs
        self.weights = weights or {"MEMORY_MB": 1.0, "VCPU": 0.5, "DISK_GB": 0.25}

    async def select(self, spec: RequestSpec, hosts: Sequence[HostState],
                     then: Callable[[AsyncSession, Selection], Awaitable[bool]] | None = None
                     ) -> Selection:
        """The best host that takes the instance, claimed. `then(session, selection)` runs in
        the claim's transaction (see `PlacementService.claim`; False raises ClaimAborted)."""
        by_provider = {h.provider_uuid: h for h in hosts}
        candidates = await self.placement.candidates(spec.resources,
                                                     limit=self.max_placement_results)
        found: dict[str, Candidate] = {}
        for c in candidates:
            if c.root_uuid in by_provider and c.root_uuid not in found:
                found[c.root_uuid] = c
        steps: list[str] = []
        alive = [by_provider[u] for u in found]
        for f in self.filters:
            before = len(alive)
            alive = [h for h in alive if f.passes(h, spec)]
            if len(alive) < before:
                steps.append(f"{f.name} removed {before - len(alive)}")
            if not alive:
                break
        if not alive:
            # Only now, on failure, find out what placement turned away and why.
            if len(found) < len(by_provider):
                steps.insert(0, await self._placement_story(spec, by_provider, set(found)))
            raise NoValidHost(f"{len(by_provider)} hosts; " + "; ".join(steps) + "."
                              if steps else f"{len(by_provider)} hosts.")
        for host in sorted(alive, key=lambda h: self._weight(h, spec, found), reverse=True):
            cand = found[host.provider_uuid]
            sel = Selection(host.name, host.provider_uuid, cand.allocations)
            if await self.placement.claim(
                    spec.instance_id, cand.allocations, spec.project_id, spec.user_id,
                    None if then is None else _bind(then, sel)):
                return sel
            steps.append(f"claim on {host.name} lost a race")
        raise NoValidHost(f"{len(by_provider)} hosts; " + "; ".join(steps) + ".")

    def _weight(self, host: HostState, spec: RequestSpec, found: dict[str, Candidate]) -> float:
        res = found[host.provider_uuid].free(host.provider_uuid)
        score = 0.0
        for rc, mult in self.weights.items():
            capacity, used = res.get(rc, (0, 0))
            if capacity:
                score += mult * (capacity - used) / capacity
        if spec.group_policy == "soft-affinity" and host.name in spec.group_hosts:
            score += 10.0
        if spec.group_policy == "soft-anti-affinity":
            score -= 10.0 * spec.group_hosts.count(host.name)
        return score

    async def _placement_story(self, spec: RequestSpec, by_provider: dict[str, HostState],
                               fit: set[str]) -> str:
        """Which resource each host placement turned away was short of."""
        missing = set(by_provider) - fit
        parts = []
        for rc, amount in spec.resources.items():
            ok = {c.root_uuid for c in await self.placement.candidates({rc: amount})}
            short = len(missing - ok)
            if short:
                parts.append(f"{short} without {amount} {rc}")
        detail = ", ".join(parts) if parts else f"{len(missing)} without room"
        return f"placement: {detail}"
