"""Metadata documents as data: Nova's meta_data.json, network_data.json and the EC2 tree."""

from __future__ import annotations

import base64
import json

from nubo.compute.api.views.servers import sanitize_hostname
from nubo.metadata.content import (
    InstanceFacts,
    PortFacts,
    config_drive_documents,
    ec2_lookup,
    ec2_meta_data,
    meta_data,
    network_data,
    openstack_file,
    random_seed,
)

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITEST k@nubo"
PORT = PortFacts(id="0123456789abcdef", network_id="net-1", mac="fa:16:3e:00:00:01",
                 fixed_ips=(("10.0.0.5", "10.0.0.0/26"),), mtu=1450, gateway="10.0.0.1",
                 dns_servers=("10.0.0.2",), floating_ips=("172.24.4.10",))
FACTS = InstanceFacts(uuid="6b0c2a4e-0000-4000-8000-000000000001", seq=10, name="Web 1",
                      hostname="web-1", project_id="p1", availability_zone="nova",
                      reservation_id="r-abc", key_name="k1", key_data=KEY,
                      user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
                      metadata={"role": "web"}, flavor_name="m1.nano", image_ref="img-1",
                      security_groups=("default",), ports=(PORT,))


def test_meta_data_has_novas_keys() -> None:
    doc = meta_data(FACTS)
    assert doc["uuid"] == FACTS.uuid and doc["hostname"] == "web-1" and doc["name"] == "Web 1"
    assert doc["public_keys"] == {"k1": KEY}
    assert doc["keys"] == [{"name": "k1", "type": "ssh", "data": KEY}]
    assert doc["meta"] == {"role": "web"} and doc["availability_zone"] == "nova"
    assert doc["project_id"] == "p1" and doc["launch_index"] == 0
    assert len(base64.b64decode(doc["random_seed"])) == 512


def test_no_key_no_public_keys_and_seeds_differ() -> None:
    bare = InstanceFacts(uuid="u2", seq=11, name="x", hostname="x", project_id="p")
    assert "public_keys" not in meta_data(bare) and "keys" not in meta_data(bare)
    assert random_seed(bare) != random_seed(FACTS)


def test_user_data_is_decoded_and_absent_when_unset() -> None:
    assert openstack_file(FACTS, "user_data") == b"#!/bin/sh\necho hi\n"
    bare = InstanceFacts(uuid="u2", seq=11, name="x", hostname="x", project_id="p")
    assert openstack_file(bare, "user_data") is None
    assert openstack_file(bare, "nothing.json") is None


def test_network_data_links_networks_services() -> None:
    doc = network_data(FACTS)
    assert doc["links"] == [{"id": "tap0123456789a", "vif_id": PORT.id, "type": "bridge",
                             "mtu": 1450, "ethernet_mac_address": PORT.mac}]
    assert doc["networks"] == [{"id": "network0", "type": "ipv4_dhcp",
                                "link": "tap0123456789a", "network_id": "net-1"}]
    assert doc["services"] == [{"type": "dns", "address": "10.0.0.2"}]


def test_static_network_data_carries_address_and_routes() -> None:
    static = PortFacts(id="p2", network_id="n", mac="fa:16:3e:00:00:02",
                       fixed_ips=(("192.168.1.7", "192.168.1.0/24"),), gateway="192.168.1.1",
                       dhcp=False, host_routes=(("10.9.0.0/16", "192.168.1.254"),))
    facts = InstanceFacts(uuid="u", seq=1, name="n", hostname="n", project_id="p",
                          ports=(static,))
    net = network_data(facts)["networks"][0]
    assert net["type"] == "ipv4" and net["ip_address"] == "192.168.1.7"
    assert net["netmask"] == "255.255.255.0"
    assert net["routes"] == [
        {"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.168.1.1"},
        {"network": "10.9.0.0", "netmask": "255.255.0.0", "gateway": "192.168.1.254"}]


def test_ec2_tree_and_lookup() -> None:
    tree = ec2_meta_data(FACTS)
    assert tree["instance-id"] == "i-0000000a" and tree["local-ipv4"] == "10.0.0.5"
    assert tree["public-ipv4"] == "172.24.4.10" and tree["instance-type"] == "m1.nano"
    assert ec2_lookup(tree, "placement/availability-zone") == "nova"
    assert ec2_lookup(tree, "public-keys") == "0=k1"
    assert ec2_lookup(tree, "public-keys/0/openssh-key") == KEY
    listing = ec2_lookup(tree, "").split("\n")
    assert "placement/" in listing and "public-keys/" in listing and "hostname" in listing
    assert ec2_lookup(tree, "no-such-key") is None
    assert ec2_lookup(tree, "hostname/deeper") is None


def test_hostnames_as_nova_sanitizes_them() -> None:
    assert sanitize_hostname("Web Server_1") == "web-server-1"
    assert sanitize_hostname("..ünï--") == "n"
    assert sanitize_hostname("!!!") == "server"
    assert len(sanitize_hostname("a" * 100)) == 63


def test_config_drive_documents_match_served_ones() -> None:
    docs = config_drive_documents(FACTS)
    served = json.loads(openstack_file(FACTS, "meta_data.json") or b"{}")
    assert docs["meta_data"] == served
    assert docs["network_data"] == network_data(FACTS)
