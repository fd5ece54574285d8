"""/v2.0/ports: the HTTP side of ports (body checks, policy, visibility); the service
(network/service/ops/ports.py) owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from nubo.core.context import RequestContext
from nubo.core.http import context, json_response, no_content
from nubo.network import errors
from nubo.network import models as m
from nubo.network.api import body, bulk, listing
from nubo.network.api.schemas import enforce
from nubo.network.api.schemas import ports as schemas
from nubo.network.api.views import base as views
from nubo.network.api.wiring import api, if_match
from nubo.network.service import dhcp_opts, ports
from nubo.network.service.ops import Enforce
from nubo.network.service.ops import ports as ops

UPDATE = ("name", "description", "admin_state_up", "mac_address", "fixed_ips", "device_id",
          "device_owner", "binding:host_id", "binding:profile", "binding:vnic_type",
          "security_groups", "port_security_enabled", "allowed_address_pairs", "dns_name",
          "extra_dhcp_opts", "qos_policy_id", "propagate_uplink_status")
CREATE = (*UPDATE, "network_id", "project_id", "tenant_id", "tags")
VNIC = ("normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder",
        "smart-nic", "vdpa", "remote-managed")


def _check(a: dict[str, Any]) -> None:
    enforce.check(a, schemas.CREATE, ("name", "description", "device_id", "device_owner",
                                      "dns_name", "project_id", "tenant_id", "binding:host_id"))
    for k in ("admin_state_up", "port_security_enabled", "propagate_uplink_status"):
        body.boolean(a, k)
    if a.get("mac_address") is not None:
        a["mac_address"] = ports.valid_mac(a["mac_address"])
    if "binding:vnic_type" in a and a["binding:vnic_type"] not in VNIC:
        raise errors.bad_request(f"Invalid input for binding:vnic_type. Reason: "
                                 f"'{a['binding:vnic_type']}' is not in {list(VNIC)}.")
    if "binding:profile" in a and a["binding:profile"] is not None and \
            not isinstance(a["binding:profile"], dict):
        raise errors.bad_request("Invalid input for binding:profile. Reason: not a dict.")
    _check_lists(a)


def _check_lists(a: dict[str, Any]) -> None:
    fixed = a.get("fixed_ips")
    if fixed is not None:
        if not isinstance(fixed, list) or any(
                not isinstance(f, dict) or set(f) - {"subnet_id", "ip_address"} for f in fixed):
            raise errors.bad_request("Invalid input for fixed_ips. Reason: Invalid data "
                                     "format for fixed IP.")
        for f in fixed:
            body.uuid_or_none(f, "subnet_id")
            body.string(f, "ip_address", nullable=True)
            if f.get("ip_address") is not None and not ports.is_ip(f["ip_address"]):
                raise errors.bad_request(f"Invalid input for fixed_ips. Reason: "
                                         f"'{f['ip_address']}' is not a valid IP address.")
    groups = a.get("security_groups")
    if groups is not None and (not isinstance(groups, list) or
                               any(not isinstance(g, str) for g in groups)):
        raise errors.bad_request("Invalid input for security_groups. Reason: not a list of "
                                 "ids.")
    pairs = a.get("allowed_address_pairs")
    if pairs is not None and (not isinstance(pairs, list) or any(
            not isinstance(p, dict) or "ip_address" not in p or
            set(p) - {"ip_address", "mac_address"} for p in pairs)):
        raise errors.bad_request("Invalid input for allowed_address_pairs. Reason: each pair "
                                 "needs an ip_address (and may have a mac_address).")
    if "extra_dhcp_opts" in a:
        a["extra_dhcp_opts"] = dhcp_opts.validate(a["extra_dhcp_opts"])


def _enforce(request: Request, verb: str, a: dict[str, Any], port_project: str,
             net: m.Network) -> None:
    na, ctx = api(request), context(request)
    target = {"project_id": port_project, "network:project_id": net.project_id}
    na.enforce(ctx, f"{verb}_port", target)
    for k in ("binding:host_id", "binding:profile", "mac_address", "port_security_enabled",
              "allowed_address_pairs"):
        if k in a:
            na.enforce(ctx, f"{verb}_port:{k}", target)
    if any(f.get("ip_address") for f in a.get("fixed_ips") or []):
        na.enforce(ctx, f"{verb}_port:fixed_ips:ip_address", target)
    if str(a.get("device_owner") or "").startswith("network:"):
        na.enforce(ctx, f"{verb}_port:device_owner", target)


def render(ctx: RequestContext, shown: Sequence[ops.Shown]) -> list[dict[str, Any]]:
    return [views.port(x.port, x.ips, x.groups, x.tags, ctx.is_admin) for x in shown]


def _enforcers(request: Request) -> tuple[ops.EnforcePort, Enforce]:
    na, ctx = api(request), context(request)
    return (lambda verb, a, project, net: _enforce(request, verb, a, project, net),
            lambda action, target: na.enforce(ctx, action, target))


async def create(request: Request) -> Response:
    na, ctx = api(request), context(request)
    items, is_bulk = await bulk.resources(request, schemas.CREATE)
    for a in items:
        _check(a)
        body.uuid(a, "network_id")
    views_ = render(ctx, await ops.create(na.db, ctx, items, *_enforcers(request),
                                          status_from_agent=na.status_from_agent))
    if is_bulk:
        return json_response({"ports": views_}, 201)
    return json_response({"port": views_[0]}, 201)


async def list_(request: Request) -> Response:
    na, ctx = api(request), context(request)
    items = render(ctx, await ops.list_(na.db, ctx))
    return listing.respond(request, "ports", items,
                           extra_filters=("binding:host_id", "mac_address", "fixed_ips"))


async def show(request: Request) -> Response:
    na, ctx = api(request), context(request)
    view = render(ctx, [await ops.show(na.db, ctx, request.path_params["port_id"])])[0]
    fields = listing.multi(request).get("fields", [])
    return json_response({"port": listing.project_fields(view, fields)})


async def update(request: Request) -> Response:
    na, ctx = api(request), context(request)
    a = await body.resource(request, schemas.UPDATE)
    for k in ("network_id", "project_id", "tenant_id"):
        if k in a:
            raise errors.bad_request(f"Cannot update read-only attribute {k}")
    _check(a)
    shown = await ops.update(na.db, ctx, request.path_params["port_id"], a,
                             if_match(request), _enforcers(request)[0],
                             status_from_agent=na.status_from_agent)
    return json_response({"port": render(ctx, [shown])[0]})


async def delete(request: Request) -> Response:
    na, ctx = api(request), context(request)
    await ops.delete(na.db, ctx, request.path_params["port_id"],
                     if_match(request), _enforcers(request)[0])
    return no_content()
