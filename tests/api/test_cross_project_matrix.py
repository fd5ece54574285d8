"""The cross-project matrix (issue 20): a plain member of project demo tries every verb on
every kind of resource that a member of project alpha owns, and every way of writing one of
alpha's ids into demo's own resources. Each attempt must be answered as the peer service
answers it (Neutron, Nova and Glance hide another project's resources: 404; Keystone's
policy refuses: 403; a reference to a resource the caller cannot see in a request body is
the service's 400 or 404) and must change nothing: the owner reads the resource (and what
hangs off it) before and after, and both reads must be equal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.api.test_compute_servers import create, flavor_id, image_id, wait
from tests.conftest import Api

N = "/networking/v2.0"
C = "/compute/v2.1"
G = "/image/v2"
MV = {"OpenStack-API-Version": "compute 2.26"}     # server tags


@dataclass(frozen=True)
class Case:
    resource: str
    verb: str
    method: str
    path: str
    status: int | tuple[int, ...]
    body: Any = None
    headers: dict[str, str] | None = None
    #: what the attempt may not change, when not the resource's usual WATCH
    watch: tuple[str, ...] | None = None


@dataclass
class World:
    """alpha's resources (by alice), demo's own (by mallory), their tokens."""

    alice: str
    mallory: str
    ids: dict[str, str]


Snap = Callable[[], Awaitable[Any]]


async def _setup(api: Api) -> World:
    alpha = await api.make_project("alpha")
    await api.make_user("alice", project="alpha")
    await api.make_user("mallory", project="demo")
    alice, mallory = await api.token("alice", "pw", "alpha"), await api.token("mallory", "pw",
                                                                           "demo")
    ids: dict[str, str] = {"project": alpha["id"]}
    ids["alice"] = (await api.ok("GET", "/v3/users?name=alice"))["users"][0]["id"]

    async def post(path: str, key: str, body: dict[str, Any], tok: str = alice,
                   status: int = 201) -> dict[str, Any]:
        return dict((await api.ok("POST", path, status, token=tok, json={key: body}))[key])

    net = await post(f"{N}/networks", "network", {"name": "a-net"})
    sub = await post(f"{N}/subnets", "subnet", {"network_id": net["id"], "cidr": "10.61.0.0/24",
                                                "ip_version": 4})
    port = await post(f"{N}/ports", "port", {"network_id": net["id"], "name": "a-port"})
    port2 = await post(f"{N}/ports", "port", {"network_id": net["id"], "name": "a-port2"})
    public = (await api.ok("GET", f"{N}/networks?name=public"))["networks"][0]["id"]
    router = await post(f"{N}/routers", "router", {"name": "a-router",
                                                   "external_gateway_info": {
                                                       "network_id": public}})
    await api.ok("PUT", f"{N}/routers/{router['id']}/add_router_interface", token=alice,
                 json={"subnet_id": sub["id"]})
    fip = await post(f"{N}/floatingips", "floatingip", {"floating_network_id": public,
                                                        "port_id": port["id"]})
    fip2 = await post(f"{N}/floatingips", "floatingip", {"floating_network_id": public})
    pf = await post(f"{N}/floatingips/{fip2['id']}/port_forwardings", "port_forwarding", {
        "internal_port_id": port2["id"], "internal_port": 22, "external_port": 2222,
        "protocol": "tcp"})
    sg = await post(f"{N}/security-groups", "security_group", {"name": "a-sg"})
    rule = await post(f"{N}/security-group-rules", "security_group_rule", {
        "security_group_id": sg["id"], "direction": "ingress", "protocol": "tcp",
        "port_range_min": 22, "port_range_max": 22})
    pool = await post(f"{N}/subnetpools", "subnetpool", {"name": "a-pool",
                                                         "prefixes": ["10.200.0.0/16"]})
    img, flv = await image_id(api), await flavor_id(api)
    srv = (await create(api, img, flv, token=alice, name="a-vm",
                        networks=[{"uuid": net["id"]}]))["server"]
    await wait(api, srv["id"], "ACTIVE", token=alice)
    [nic] = (await api.ok("GET", f"{C}/servers/{srv['id']}/os-interface",
                          token=alice))["interfaceAttachments"]
    await api.ok("PUT", f"{C}/servers/{srv['id']}/metadata/k", token=alice,
                 json={"meta": {"k": "v"}})
    await api.ok("PUT", f"{C}/servers/{srv['id']}/tags/t", 201, token=alice, headers=MV)
    await post(f"{C}/os-keypairs", "keypair", {"name": "a-key"}, status=200)
    group = await post(f"{C}/os-server-groups", "server_group", {
        "name": "a-group", "policies": ["affinity"]}, status=200)
    flavor = (await api.ok("POST", f"{C}/flavors", json={"flavor": {
        "name": "a-private", "ram": 64, "vcpus": 1, "disk": 1,
        "os-flavor-access:is_public": False}}))["flavor"]
    await api.ok("POST", f"{C}/flavors/{flavor['id']}/action", json={
        "addTenantAccess": {"tenant": alpha["id"]}})
    image = await api.ok("POST", f"{G}/images", 201, token=alice, json={
        "name": "a-img", "disk_format": "raw", "container_format": "bare"})
    await api.ok("PUT", f"{G}/images/{image['id']}/file", 204, token=alice,
                 content=b"\1" * 512, headers={"Content-Type": "application/octet-stream"})
    cred = await post("/v3/credentials", "credential", {
        "type": "totp", "user_id": ids["alice"], "blob": "ABCDEFGHIJKLMNOP"})
    appcred = await post(f"/v3/users/{ids['alice']}/application_credentials",
                         "application_credential", {"name": "a-appcred"})
    # demo's own things, for the attempts to write alpha's ids into them
    demo_net = (await api.ok("GET", f"{N}/networks?name=private"))["networks"][0]["id"]
    demo_router = (await api.ok("GET", f"{N}/routers?name=router1"))["routers"][0]["id"]
    demo_port = await post(f"{N}/ports", "port", {"network_id": demo_net}, tok=mallory)
    demo_port2 = await post(f"{N}/ports", "port", {"network_id": demo_net}, tok=mallory)
    demo_fip = await post(f"{N}/floatingips", "floatingip", {"floating_network_id": public},
                          tok=mallory)
    demo_sg = await post(f"{N}/security-groups", "security_group", {"name": "d-sg"},
                         tok=mallory)
    demo_srv = (await create(api, img, flv, token=mallory, name="d-vm",
                             networks=[{"uuid": demo_net}]))["server"]
    await wait(api, demo_srv["id"], "ACTIVE", token=mallory)
    ids.update(net=net["id"], sub=sub["id"], port=port["id"], router=router["id"],
               fip=fip["id"], fip_addr=fip["floating_ip_address"], fip2=fip2["id"],
               fip2_addr=fip2["floating_ip_address"], pf=pf["id"], sg=sg["id"],
               rule=rule["id"], pool=pool["id"], server=srv["id"], nic=nic["port_id"],
               group=group["id"], flavor=flavor["id"], image=image["id"], cred=cred["id"],
               appcred=appcred["id"], img=img, flv=flv, demo_net=demo_net,
               demo_router=demo_router, demo_port=demo_port["id"],
               demo_port2=demo_port2["id"], demo_fip=demo_fip["id"],
               demo_sg=demo_sg["id"], demo_server=demo_srv["id"], public=public)
    return World(alice, mallory, ids)


def _network_cases(i: dict[str, str]) -> list[Case]:
    out: list[Case] = []
    for kind, path, key in (
            ("network", f"{N}/networks/{i['net']}", "network"),
            ("subnet", f"{N}/subnets/{i['sub']}", "subnet"),
            ("port", f"{N}/ports/{i['port']}", "port"),
            ("router", f"{N}/routers/{i['router']}", "router"),
            ("floatingip", f"{N}/floatingips/{i['fip']}", "floatingip"),
            ("security_group", f"{N}/security-groups/{i['sg']}", "security_group"),
            ("subnetpool", f"{N}/subnetpools/{i['pool']}", "subnetpool"),
            ("port_forwarding", f"{N}/floatingips/{i['fip2']}/port_forwardings/{i['pf']}",
             "port_forwarding")):
        out += [Case(kind, "show", "GET", path, 404),
                Case(kind, "update", "PUT", path, 404, {key: {"description": "x"}}),
                Case(kind, "delete", "DELETE", path, 404)]
    rule = f"{N}/security-group-rules/{i['rule']}"
    out += [Case("security_group_rule", "show", "GET", rule, 404),
            Case("security_group_rule", "delete", "DELETE", rule, 404)]
    r = f"{N}/routers/{i['router']}"
    out += [Case("router", "add_router_interface", "PUT", f"{r}/add_router_interface", 404,
                 {"subnet_id": i["sub"]}),
            Case("router", "remove_router_interface", "PUT", f"{r}/remove_router_interface",
                 404, {"subnet_id": i["sub"]}),
            Case("router", "add_extraroutes", "PUT", f"{r}/add_extraroutes", 404,
                 {"router": {"routes": [{"destination": "10.9.0.0/24",
                                         "nexthop": "10.61.0.9"}]}}),
            Case("router", "remove_extraroutes", "PUT", f"{r}/remove_extraroutes", 404,
                 {"router": {"routes": []}})]
    for kind, coll, key in (("network", "networks", "net"), ("port", "ports", "port"),
                            ("router", "routers", "router"), ("subnet", "subnets", "sub")):
        t = f"{N}/{coll}/{i[key]}/tags"
        out += [Case(kind, "tags_replace", "PUT", t, 404, {"tags": ["x"]}),
                Case(kind, "tag_add", "PUT", f"{t}/x", 404),
                Case(kind, "tags_clear", "DELETE", t, 404)]
    out += [Case("subnetpool", "add_prefixes", "PUT", f"{N}/subnetpools/{i['pool']}/"
                 "add_prefixes", 404, {"prefixes": ["10.201.0.0/16"]})]
    return out


def _server_cases(i: dict[str, str]) -> list[Case]:
    s = f"{C}/servers/{i['server']}"
    out = [Case("server", "show", "GET", s, 404),
           Case("server", "update", "PUT", s, 404, {"server": {"name": "x"}}),
           Case("server", "delete", "DELETE", s, 404),
           Case("server", "ips", "GET", f"{s}/ips", 404),
           Case("server", "metadata_show", "GET", f"{s}/metadata", 404),
           Case("server", "metadata_replace", "PUT", f"{s}/metadata", 404,
                {"metadata": {"x": "y"}}),
           Case("server", "metadata_update", "POST", f"{s}/metadata", 404,
                {"metadata": {"x": "y"}}),
           Case("server", "metadata_delete", "DELETE", f"{s}/metadata/k", 404),
           Case("server", "tags_show", "GET", f"{s}/tags", 404, headers=MV),
           Case("server", "tags_replace", "PUT", f"{s}/tags", 404, {"tags": ["x"]}, MV),
           Case("server", "tag_delete", "DELETE", f"{s}/tags/t", 404, headers=MV),
           Case("server", "tags_clear", "DELETE", f"{s}/tags", 404, headers=MV),
           Case("server", "interfaces_list", "GET", f"{s}/os-interface", 404),
           Case("server", "interface_attach", "POST", f"{s}/os-interface", 404,
                {"interfaceAttachment": {"net_id": i["net"]}}),
           Case("server", "interface_detach", "DELETE", f"{s}/os-interface/{i['nic']}", 404),
           Case("server", "actions_list", "GET", f"{s}/os-instance-actions", 404),
           Case("server", "security_groups", "GET", f"{s}/os-security-groups", 404),
           Case("server", "diagnostics", "GET", f"{s}/diagnostics", (403, 404)),
           Case("server", "remote_console", "POST", f"{s}/remote-consoles", 404,
                {"remote_console": {"protocol": "vnc", "type": "novnc"}},
                {"OpenStack-API-Version": "compute 2.6"})]
    actions: list[tuple[str, Any]] = [
        ("os-stop", None), ("os-start", None), ("reboot", {"type": "HARD"}),
        ("pause", None), ("unpause", None), ("suspend", None), ("resume", None),
        ("lock", None), ("unlock", None), ("createImage", {"name": "x"}),
        ("resize", {"flavorRef": i["flv"]}), ("confirmResize", None),
        ("revertResize", None), ("rebuild", {"imageRef": i["img"]}), ("rescue", None),
        ("unrescue", None), ("shelve", None), ("unshelve", None),
        ("addSecurityGroup", {"name": "default"}), ("removeSecurityGroup",
                                                    {"name": "default"}),
        ("os-getConsoleOutput", {"length": 5}),
        ("forceDelete", None), ("restore", None),
        ("createBackup", {"name": "b", "backup_type": "daily", "rotation": 1}),
        ("addFloatingIp", {"address": i["fip2_addr"]}),
        ("removeFloatingIp", {"address": i["fip_addr"]}),
        ("os-resetState", {"state": "error"}), ("migrate", None),
        ("os-migrateLive", {"host": None, "block_migration": "auto"}),
        ("evacuate", {}), ("os-getVNCConsole", {"type": "novnc"})]
    for name, arg in actions:
        status: int | tuple[int, ...] = 404
        if name in ("os-resetState", "migrate", "os-migrateLive", "evacuate"):
            status = (403, 404)         # admin APIs: Nova looks the server up first
        out.append(Case("server", f"action:{name}", "POST", f"{s}/action", status,
                        {name: arg}))
    return out


def _other_compute_cases(i: dict[str, str]) -> list[Case]:
    k, g, f = (f"{C}/os-keypairs/a-key", f"{C}/os-server-groups/{i['group']}",
               f"{C}/flavors/{i['flavor']}")
    sg = f"{C}/os-security-groups/{i['sg']}"
    return [Case("keypair", "show", "GET", k, 404), Case("keypair", "delete", "DELETE", k, 404),
            Case("server_group", "show", "GET", g, 404),
            Case("server_group", "delete", "DELETE", g, 404),
            Case("flavor(private)", "show", "GET", f, 404),
            Case("flavor(private)", "delete", "DELETE", f, 403),
            Case("flavor(private)", "access_list", "GET", f"{f}/os-flavor-access", (403, 404)),
            Case("flavor(private)", "addTenantAccess", "POST", f"{f}/action", 403,
                 {"addTenantAccess": {"tenant": "x"}}),
            Case("flavor(private)", "removeTenantAccess", "POST", f"{f}/action", 403,
                 {"removeTenantAccess": {"tenant": i["project"]}}),
            Case("flavor(private)", "extra_specs_set", "POST", f"{f}/os-extra_specs", 403,
                 {"extra_specs": {"a": "b"}}),
            Case("nova_security_group", "show", "GET", sg, 404),
            Case("nova_security_group", "update", "PUT", sg, 404,
                 {"security_group": {"name": "x", "description": "y"}}),
            Case("nova_security_group", "delete", "DELETE", sg, 404),
            Case("nova_floating_ip", "show", "GET", f"{C}/os-floating-ips/{i['fip']}", 404),
            Case("nova_floating_ip", "delete", "DELETE", f"{C}/os-floating-ips/{i['fip']}",
                 404),
            Case("quota_set", "update", "PUT", f"{C}/os-quota-sets/{i['project']}", 403,
                 {"quota_set": {"instances": 1}})]


def _image_identity_cases(i: dict[str, str]) -> list[Case]:
    im = f"{G}/images/{i['image']}"
    return [Case("image", "show", "GET", im, 404),
            Case("image", "update", "PATCH", im, 404,
                 [{"op": "replace", "path": "/name", "value": "x"}],
                 {"Content-Type": "application/openstack-images-v2.1-json-patch"}),
            Case("image", "delete", "DELETE", im, 404),
            Case("image", "download", "GET", f"{im}/file", 404),
            Case("image", "upload", "PUT", f"{im}/file", 404, b"x",
                 {"Content-Type": "application/octet-stream"}),
            Case("image", "deactivate", "POST", f"{im}/actions/deactivate", 404),
            Case("image", "reactivate", "POST", f"{im}/actions/reactivate", 404),
            Case("image", "member_create", "POST", f"{im}/members", 404,
                 {"member": i["project"]}),
            Case("image", "members_list", "GET", f"{im}/members", 404),
            Case("image", "tag_add", "PUT", f"{im}/tags/x", 404),
            Case("project", "show", "GET", f"/v3/projects/{i['project']}", 403),
            Case("project", "update", "PATCH", f"/v3/projects/{i['project']}", 403,
                 {"project": {"description": "x"}}),
            Case("project", "delete", "DELETE", f"/v3/projects/{i['project']}", 403),
            Case("user", "show", "GET", f"/v3/users/{i['alice']}", 403),
            Case("user", "update", "PATCH", f"/v3/users/{i['alice']}", 403,
                 {"user": {"description": "x"}}),
            Case("user", "delete", "DELETE", f"/v3/users/{i['alice']}", 403),
            # Keystone's self-service password change is unenforced: the original password
            # is the authorisation (knowing it is being the user)
            Case("user", "change_password", "POST", f"/v3/users/{i['alice']}/password",
                 401, {"user": {"password": "pw2", "original_password": "not-hers"}}),
            Case("credential", "show", "GET", f"/v3/credentials/{i['cred']}", (403, 404)),
            Case("credential", "update", "PATCH", f"/v3/credentials/{i['cred']}", (403, 404),
                 {"credential": {"blob": "QRSTUVWXYZ234567"}}),
            Case("credential", "delete", "DELETE", f"/v3/credentials/{i['cred']}",
                 (403, 404)),
            Case("application_credential", "show", "GET",
                 f"/v3/users/{i['alice']}/application_credentials/{i['appcred']}", (403, 404)),
            Case("application_credential", "delete", "DELETE",
                 f"/v3/users/{i['alice']}/application_credentials/{i['appcred']}",
                 (403, 404))]


def _write_into_own_cases(i: dict[str, str]) -> list[Case]:
    """One of alpha's ids written into demo's own resource (issue 20's audit)."""
    sv = f"{C}/servers/{i['demo_server']}"
    boot = {"name": "x", "imageRef": i["img"], "flavorRef": i["flv"],
            "networks": [{"uuid": i["demo_net"]}]}
    return [
        Case("floatingip", "associate_foreign_port", "PUT", f"{N}/floatingips/{i['demo_fip']}",
             404, {"floatingip": {"port_id": i["port"]}}),
        Case("floatingip", "create_on_foreign_port", "POST", f"{N}/floatingips", 404,
             {"floatingip": {"floating_network_id": i["public"], "port_id": i["port"]}}),
        Case("router", "add_foreign_subnet", "PUT",
             f"{N}/routers/{i['demo_router']}/add_router_interface", 404,
             {"subnet_id": i["sub"]}),
        Case("router", "add_foreign_port", "PUT",
             f"{N}/routers/{i['demo_router']}/add_router_interface", 404,
             {"port_id": i["port"]}),
        Case("subnet", "create_on_foreign_network", "POST", f"{N}/subnets", 404,
             {"subnet": {"network_id": i["net"], "cidr": "10.62.0.0/24", "ip_version": 4}}),
        Case("port", "create_on_foreign_network", "POST", f"{N}/ports", 404,
             {"port": {"network_id": i["net"]}}),
        Case("port", "create_with_foreign_group", "POST", f"{N}/ports", 404,
             {"port": {"network_id": i["demo_net"], "security_groups": [i["sg"]]}}),
        Case("port", "update_with_foreign_group", "PUT", f"{N}/ports/{i['demo_port']}", 404,
             {"port": {"security_groups": [i["sg"]]}}),
        Case("port", "device_id_foreign_router", "PUT", f"{N}/ports/{i['demo_port']}", 409,
             {"port": {"device_id": i["router"], "device_owner": "network:router_interface"}}),
        Case("port", "create_device_id_foreign_router", "POST", f"{N}/ports", 409,
             {"port": {"network_id": i["demo_net"], "device_id": i["router"],
                       "device_owner": "network:router_interface"}}),
        Case("port", "create_on_foreign_external_network", "POST", f"{N}/ports", 403,
             {"port": {"network_id": i["public"]}}),
        Case("subnet", "create_on_foreign_external_network", "POST", f"{N}/subnets", 403,
             {"subnet": {"network_id": i["public"], "cidr": "10.63.0.0/24",
                         "ip_version": 4}}),
        # Neutron takes any device_id with a compute owner (200); compute must not take
        # the port for a NIC of alpha's server
        Case("port", "device_id_foreign_server", "PUT", f"{N}/ports/{i['demo_port2']}", 200,
             {"port": {"device_id": i["server"], "device_owner": "compute:nova"}},
             watch=("server", "ifaces", "servers", "fips", "ports")),
        Case("security_group_rule", "foreign_remote_group", "POST",
             f"{N}/security-group-rules", 404, {"security_group_rule": {
                 "security_group_id": i["demo_sg"], "direction": "ingress",
                 "remote_group_id": i["sg"]}}),
        Case("security_group_rule", "into_foreign_group", "POST",
             f"{N}/security-group-rules", 404, {"security_group_rule": {
                 "security_group_id": i["sg"], "direction": "ingress"}}),
        Case("port_forwarding", "to_foreign_port", "POST",
             f"{N}/floatingips/{i['demo_fip']}/port_forwardings", 404, {"port_forwarding": {
                 "internal_port_id": i["port"], "internal_port": 22, "external_port": 2022,
                 "protocol": "tcp"}}),
        Case("network", "rbac_like_share", "PUT", f"{N}/networks/{i['net']}", 404,
             {"network": {"shared": True}}),
        Case("server", "boot_on_foreign_port", "POST", f"{C}/servers", 400,
             {"server": {**boot, "networks": [{"port": i["port"]}]}}),
        Case("server", "boot_on_foreign_network", "POST", f"{C}/servers", 400,
             {"server": {**boot, "networks": [{"uuid": i["net"]}]}}),
        Case("server", "boot_with_foreign_keypair", "POST", f"{C}/servers", 400,
             {"server": {**boot, "key_name": "a-key"}}),
        Case("server", "boot_into_foreign_group", "POST", f"{C}/servers", 400,
             {"server": boot, "os:scheduler_hints": {"group": i["group"]}}),
        Case("server", "boot_with_foreign_private_flavor", "POST", f"{C}/servers", 400,
             {"server": {**boot, "flavorRef": i["flavor"]}}),
        Case("server", "boot_from_foreign_private_image", "POST", f"{C}/servers", 400,
             {"server": {**boot, "imageRef": i["image"]}}),
        Case("server", "attach_foreign_port", "POST", f"{sv}/os-interface", 404,
             {"interfaceAttachment": {"port_id": i["port"]}}),
        Case("server", "attach_foreign_network", "POST", f"{sv}/os-interface", 404,
             {"interfaceAttachment": {"net_id": i["net"]}}),
        Case("server", "add_foreign_secgroup", "POST", f"{sv}/action", 404,
             {"addSecurityGroup": {"name": i["sg"]}}),
        Case("server", "add_foreign_floating_ip", "POST", f"{sv}/action", 404,
             {"addFloatingIp": {"address": i["fip2_addr"]}}),
        Case("server", "remove_foreign_floating_ip", "POST", f"{sv}/action", 404,
             {"removeFloatingIp": {"address": i["fip_addr"]}}),
        *[Case(kind, "create_for_foreign_project", "POST", f"{N}/{coll}", 400,
               {kind: {**body, "project_id": i["project"]}},
               watch=("nets", "subs", "ports", "routers", "pools", "sgs", "fips"))
          for kind, coll, body in (
              ("network", "networks", {"name": "x"}),
              ("subnet", "subnets", {"network_id": i["demo_net"], "cidr": "10.64.0.0/24",
                                     "ip_version": 4}),
              ("port", "ports", {"network_id": i["demo_net"]}),
              ("router", "routers", {"name": "x"}),
              ("subnetpool", "subnetpools", {"name": "x", "prefixes": ["10.210.0.0/16"]}),
              ("security_group", "security-groups", {"name": "x"}),
              ("floatingip", "floatingips", {"floating_network_id": i["public"]}))],
        Case("image", "member_of_foreign_image", "POST", f"{G}/images/{i['image']}/members",
             404, {"member": "demo"}),
    ]


def _reads(i: dict[str, str]) -> dict[str, tuple[str, bool, dict[str, str] | None]]:
    """name -> (path, as the admin rather than alice, headers) of what the owner reads."""
    a: dict[str, tuple[str, bool, dict[str, str] | None]] = {
        name: (path, False, None) for name, path in (
            ("net", f"{N}/networks/{i['net']}"), ("sub", f"{N}/subnets/{i['sub']}"),
            ("ports", f"{N}/ports"), ("router", f"{N}/routers/{i['router']}"),
            ("nets", f"{N}/networks"), ("subs", f"{N}/subnets"), ("routers", f"{N}/routers"),
            ("pools", f"{N}/subnetpools"),
            ("fips", f"{N}/floatingips"), ("sgs", f"{N}/security-groups"),
            ("rules", f"{N}/security-group-rules"),
            ("pool", f"{N}/subnetpools/{i['pool']}"),
            ("pfs", f"{N}/floatingips/{i['fip2']}/port_forwardings"),
            ("server", f"{C}/servers/{i['server']}"),
            ("meta", f"{C}/servers/{i['server']}/metadata"),
            ("ifaces", f"{C}/servers/{i['server']}/os-interface"),
            ("actions", f"{C}/servers/{i['server']}/os-instance-actions"),
            ("keypair", f"{C}/os-keypairs/a-key"),
            ("group", f"{C}/os-server-groups/{i['group']}"),
            ("flavor", f"{C}/flavors/{i['flavor']}"), ("image", f"{G}/images/{i['image']}"),
            ("members", f"{G}/images/{i['image']}/members"),
            ("cred", f"/v3/credentials/{i['cred']}"), ("user", f"/v3/users/{i['alice']}"),
            ("appcred", f"/v3/users/{i['alice']}/application_credentials/{i['appcred']}"))}
    a["tags"] = (f"{C}/servers/{i['server']}/tags", False, MV)
    for name, path in (
            ("project", f"/v3/projects/{i['project']}"),
            ("access", f"{C}/flavors/{i['flavor']}/os-flavor-access"),
            ("quota", f"{C}/os-quota-sets/{i['project']}"), ("images", f"{G}/images"),
            ("demo_port", f"{N}/ports/{i['demo_port']}"),
            ("demo_fip", f"{N}/floatingips/{i['demo_fip']}"),
            ("demo_router", f"{N}/routers/{i['demo_router']}"),
            ("demo_ifaces", f"{C}/servers/{i['demo_server']}/os-interface"),
            ("demo_server", f"{C}/servers/{i['demo_server']}"),
            ("servers", f"{C}/servers?all_tenants=1")):
        a[name] = (path, True, None)
    return a


#: what each kind of resource's attempts may change, besides the whole view at the end
WATCH: dict[str, tuple[str, ...]] = {
    "network": ("net", "sub", "ports"), "subnet": ("sub", "net", "ports"),
    "port": ("ports", "demo_port"), "router": ("router", "ports", "demo_router"),
    "floatingip": ("fips", "ports", "demo_fip"), "security_group": ("sgs", "rules"),
    "security_group_rule": ("rules", "sgs"), "subnetpool": ("pool",),
    "port_forwarding": ("pfs", "fips"),
    "server": ("server", "meta", "tags", "ifaces", "actions", "ports", "fips", "servers",
               "demo_ifaces", "demo_server", "images"),
    "keypair": ("keypair",), "server_group": ("group",),
    "flavor(private)": ("flavor", "access"), "nova_security_group": ("sgs", "rules"),
    "nova_floating_ip": ("fips",), "quota_set": ("quota",),
    "image": ("image", "members", "images"), "project": ("project",), "user": ("user",),
    "credential": ("cred",), "application_credential": ("appcred",)}


async def _owner_view(api: Api, w: World, names: tuple[str, ...] | None = None
                      ) -> dict[str, Any]:
    """What alpha's member (or the admin, for what a member cannot read) sees of `names`."""
    reads = _reads(w.ids)
    out: dict[str, Any] = {}
    for name in names or tuple(reads):
        path, admin, headers = reads[name]
        r = await api.req("GET", path, None if admin else w.alice, headers=headers)
        out[name] = (r.status_code, r.content)
    return out


async def test_cross_project_matrix(api: Api) -> None:
    w = await _setup(api)
    cases = (_network_cases(w.ids) + _server_cases(w.ids) + _other_compute_cases(w.ids) +
             _image_identity_cases(w.ids) + _write_into_own_cases(w.ids))
    leaks: list[str] = []
    conductor = api.node.controller.conductor
    first = await _owner_view(api, w)
    for c in cases:
        before = await _owner_view(api, w, c.watch or WATCH[c.resource])
        kw: dict[str, Any] = {"headers": c.headers}
        if isinstance(c.body, bytes):
            kw["content"] = c.body
        elif c.body is not None:
            kw["json"] = c.body
        r = await api.req(c.method, c.path, w.mallory, **kw)
        await conductor.drain()
        after = await _owner_view(api, w, c.watch or WATCH[c.resource])
        want = c.status if isinstance(c.status, tuple) else (c.status,)
        changed = [k for k in before if before[k] != after[k]]
        if r.status_code not in want or changed:
            leaks.append(f"{c.resource} {c.verb}: {c.method} {c.path} -> {r.status_code} "
                         f"(want {want}) changed {changed}: {r.text[:200]}")
    last = await _owner_view(api, w)
    leaks += [f"changed by some attempt: {k}" for k in first if first[k] != last[k]]
    pairs = {(c.resource, c.verb) for c in cases}
    print(f"\ncross-project matrix: {len(pairs)} (resource, verb) pairs over "
          f"{len({c.resource for c in cases})} resource types, {len(leaks)} leaks")
    assert len(pairs) == len(cases)
    assert leaks == [], "\n".join(leaks)
