"""Response bodies (and 1.15's cache headers), in the shape of the microversion asked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from nubo.core.microversion import APIVersion
from nubo.placement.allocations import ConsumerAllocations
from nubo.placement.candidates import Inventory, Match, World
from nubo.placement.providers import Provider
from nubo.placement.service import summary

PREFIX = "/placement"


def cache_headers(v: APIVersion, when: datetime | None = None) -> dict[str, str]:
    """1.15+: last-modified (the entity's, or now) and cache-control: no-cache."""
    if not v.matches("1.15"):
        return {}
    stamp = (when.replace(tzinfo=UTC) if when is not None else datetime.now(UTC))
    return {"last-modified": format_datetime(stamp, usegmt=True),
            "cache-control": "no-cache"}


def provider(p: Provider, v: APIVersion) -> dict[str, Any]:
    base = f"{PREFIX}/resource_providers/{p.uuid}"
    links = [{"rel": "self", "href": base},
             {"rel": "inventories", "href": f"{base}/inventories"},
             {"rel": "usages", "href": f"{base}/usages"}]
    if v.matches("1.1"):
        links.append({"rel": "aggregates", "href": f"{base}/aggregates"})
    if v.matches("1.6"):
        links.append({"rel": "traits", "href": f"{base}/traits"})
    if v.matches("1.11"):
        links.append({"rel": "allocations", "href": f"{base}/allocations"})
    body: dict[str, Any] = {"uuid": p.uuid, "name": p.name, "generation": p.generation,
                            "links": links}
    if v.matches("1.14"):
        body["parent_provider_uuid"] = p.parent_uuid
        body["root_provider_uuid"] = p.root_uuid
    return body


def inventories(generation: int, invs: Mapping[str, Inventory]) -> dict[str, Any]:
    return {"resource_provider_generation": generation,
            "inventories": {rc: inv.as_dict() for rc, inv in sorted(invs.items())}}


def inventory(generation: int, inv: Inventory) -> dict[str, Any]:
    return {"resource_provider_generation": generation, **inv.as_dict()}


def resource_class(name: str) -> dict[str, Any]:
    return {"name": name,
            "links": [{"rel": "self", "href": f"{PREFIX}/resource_classes/{name}"}]}


def aggregates(v: APIVersion, generation: int, aggs: Iterable[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"aggregates": list(aggs)}
    if v.matches("1.19"):
        body["resource_provider_generation"] = generation
    return body


def consumer_allocations(v: APIVersion, c: ConsumerAllocations) -> dict[str, Any]:
    body: dict[str, Any] = {"allocations": {
        rp: {"generation": gen, "resources": dict(res)}
        for rp, (gen, res) in c.allocations.items()}}
    if v.matches("1.12") and c.allocations:
        body["project_id"], body["user_id"] = c.project_id, c.user_id
    if v.matches("1.28") and c.allocations:
        body["consumer_generation"] = c.generation
    if v.matches("1.38") and c.allocations:
        body["consumer_type"] = c.consumer_type or "unknown"
    return body


def provider_allocations(v: APIVersion, generation: int,
                         found: Mapping[str, tuple[dict[str, int], int | None]]
                         ) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for consumer, (res, gen) in found.items():
        out[consumer] = {"resources": dict(res)}
        if v.matches("1.28"):
            out[consumer]["consumer_generation"] = gen
    return {"resource_provider_generation": generation, "allocations": out}


def candidates(v: APIVersion, matches: list[Match], world: World,
               wanted: Iterable[str]) -> dict[str, Any]:
    requests = []
    shown: dict[int, None] = {}
    # the version's shape, decided once for all candidates
    by_uuid, mappings, whole_trees = v.matches("1.12"), v.matches("1.34"), v.matches("1.29")
    nodes_ = world.nodes
    for match in matches:
        uuid_of = {nid: nodes_[nid].uuid for nid in match.allocations}
        if by_uuid:
            req: dict[str, Any] = {"allocations": {
                uuid_of[nid]: {"resources": dict(res)}
                for nid, res in match.allocations.items()}}
        else:
            req = {"allocations": [
                {"resource_provider": {"uuid": uuid_of[nid]}, "resources": dict(res)}
                for nid, res in match.allocations.items()]}
        if mappings:
            req["mappings"] = {suffix: [nodes_[n].uuid for n in ids]
                               for suffix, ids in match.mappings.items()}
        requests.append(req)
        # 1.29+: every provider of the trees involved; before: those allocated from.
        nodes = ([n.id for n in world.trees[match.root_id]] if whole_trees
                 else list(match.allocations))
        shown.update(dict.fromkeys(nodes))
    summaries = {}
    wanted = set(wanted)
    all_classes, traits = v.matches("1.27"), v.matches("1.17")
    for nid in shown:
        node = nodes_[nid]
        full = summary(node, world, all_classes=all_classes, wanted=wanted)
        s: dict[str, Any] = {"resources": full["resources"]}
        if traits:
            s["traits"] = full["traits"]
        if whole_trees:
            s["parent_provider_uuid"] = full["parent_provider_uuid"]
            s["root_provider_uuid"] = full["root_provider_uuid"]
        summaries[node.uuid] = s
    return {"allocation_requests": requests, "provider_summaries": summaries}
