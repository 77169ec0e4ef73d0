#!/usr/bin/python3
"""openstacksdk (Debian's python3-openstacksdk) against Neutrino without Keystone.

create: a project network and subnet, an external network and subnet, a router with its
        gateway on the external network and an interface on the subnet, a security group with
        an ingress rule, a port in that group, and a floating IP associated to the port; each
        answer is checked, then printed as one JSON line of ids.
delete: finds every resource whose name starts with --prefix (through the SDK's list calls)
        and deletes it in dependency order; prints one JSON line of what it deleted.

  /usr/bin/python3 scripts/openstacksdk/network_roundtrip.py create --endpoint http://127.0.0.1:9696 --prefix demo
  /usr/bin/python3 scripts/openstacksdk/network_roundtrip.py delete --endpoint http://127.0.0.1:9696 --prefix demo

The endpoint may also come from OS_ENDPOINT. Exit status 0 only if every step and check passed.
"""
import argparse
import ipaddress
import json
import os
import sys

import openstack


def connect(endpoint):
    # auth_type none: keystoneauth sends a dummy token, which noauth ignores, and the SDK
    # discovers the API version from GET / on the endpoint (as `openstack --os-auth-type none`)
    return openstack.connect(auth_type="none", auth={"endpoint": endpoint}, load_yaml_config=False, load_envvars=False)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def create(conn, p):
    net = conn.network.create_network(name=f"{p}-net")
    check(net.id and net.name == f"{p}-net" and net.status == "ACTIVE", f"network: {net}")
    subnet = conn.network.create_subnet(name=f"{p}-subnet", network_id=net.id, ip_version=4, cidr="10.77.0.0/24")
    check(subnet.gateway_ip == "10.77.0.1" and subnet.is_dhcp_enabled, f"subnet: {subnet}")

    ext = conn.network.create_network(name=f"{p}-ext", is_router_external=True)
    check(ext.is_router_external, f"external network: {ext}")
    ext_subnet = conn.network.create_subnet(
        name=f"{p}-ext-subnet", network_id=ext.id, ip_version=4, cidr="203.0.113.0/24", is_dhcp_enabled=False
    )

    router = conn.network.create_router(name=f"{p}-router", external_gateway_info={"network_id": ext.id})
    gw_ips = router.external_gateway_info["external_fixed_ips"]
    check(gw_ips and gw_ips[0]["subnet_id"] == ext_subnet.id, f"router gateway: {router.external_gateway_info}")
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    rports = list(conn.network.ports(device_id=router.id, network_id=net.id))
    check(len(rports) == 1 and rports[0].fixed_ips[0]["ip_address"] == "10.77.0.1", f"router interface: {rports}")

    sg = conn.network.create_security_group(name=f"{p}-sg", description="ssh in")
    rule = conn.network.create_security_group_rule(
        security_group_id=sg.id, direction="ingress", ether_type="IPv4", protocol="tcp", port_range_min=22, port_range_max=22
    )
    check(rule.security_group_id == sg.id and rule.port_range_min == 22, f"rule: {rule}")
    rules = [r.id for r in conn.network.security_group_rules(security_group_id=sg.id)]
    check(rule.id in rules, f"rule {rule.id} not listed in {rules}")

    port = conn.network.create_port(name=f"{p}-port", network_id=net.id, security_group_ids=[sg.id])
    fixed = port.fixed_ips[0]["ip_address"]
    check(ipaddress.ip_address(fixed) in ipaddress.ip_network("10.77.0.0/24"), f"port fixed ip: {port.fixed_ips}")
    check(port.security_group_ids == [sg.id], f"port groups: {port.security_group_ids}")
    port = conn.network.update_port(port, description="updated by openstacksdk")
    check(port.description == "updated by openstacksdk", f"port update: {port}")

    fip = conn.network.create_ip(floating_network_id=ext.id, port_id=port.id)
    check(ipaddress.ip_address(fip.floating_ip_address) in ipaddress.ip_network("203.0.113.0/24"), f"floating ip: {fip}")
    check(fip.fixed_ip_address == fixed and fip.router_id == router.id, f"floating ip association: {fip}")
    found = conn.network.find_network(f"{p}-net")
    check(found is not None and found.id == net.id, "find_network by name")

    return {
        "network": net.id,
        "subnet": subnet.id,
        "external_network": ext.id,
        "external_subnet": ext_subnet.id,
        "router": router.id,
        "security_group": sg.id,
        "security_group_rule": rule.id,
        "port": port.id,
        "floating_ip": fip.id,
        "floating_ip_address": fip.floating_ip_address,
        "fixed_ip_address": fixed,
    }


def delete(conn, p):
    mine = lambda r: (r.name or "").startswith(p)  # noqa: E731
    nets = [n for n in conn.network.networks() if mine(n)]
    net_ids = {n.id for n in nets}
    done = {"floating_ips": 0, "ports": 0, "router_interfaces": 0, "routers": 0, "security_groups": 0, "subnets": 0, "networks": 0}
    for fip in conn.network.ips():
        if fip.floating_network_id in net_ids:
            conn.network.delete_ip(fip, ignore_missing=False)
            done["floating_ips"] += 1
    for port in conn.network.ports():
        if mine(port):
            conn.network.delete_port(port, ignore_missing=False)
            done["ports"] += 1
    for router in [r for r in conn.network.routers() if mine(r)]:
        for rp in conn.network.ports(device_id=router.id, device_owner="network:router_interface"):
            for f in rp.fixed_ips:
                conn.network.remove_interface_from_router(router, subnet_id=f["subnet_id"])
                done["router_interfaces"] += 1
        conn.network.delete_router(router, ignore_missing=False)
        done["routers"] += 1
    for sg in [s for s in conn.network.security_groups() if mine(s)]:
        conn.network.delete_security_group(sg, ignore_missing=False)
        done["security_groups"] += 1
    for subnet in [s for s in conn.network.subnets() if mine(s)]:
        conn.network.delete_subnet(subnet, ignore_missing=False)
        done["subnets"] += 1
    for net in nets:
        conn.network.delete_network(net, ignore_missing=False)
        done["networks"] += 1
    left = [n.name for n in conn.network.networks() if mine(n)] + [s.name for s in conn.network.security_groups() if mine(s)]
    check(not left, f"left after delete: {left}")
    return done


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["create", "delete"])
    ap.add_argument("--endpoint", default=os.environ.get("OS_ENDPOINT"), help="Networking API URL (default: $OS_ENDPOINT)")
    ap.add_argument("--prefix", required=True, help="name prefix of every resource made (delete removes all with it)")
    a = ap.parse_args()
    if not a.endpoint:
        ap.error("give --endpoint or set OS_ENDPOINT")
    conn = connect(a.endpoint)
    result = create(conn, a.prefix) if a.action == "create" else delete(conn, a.prefix)
    print(json.dumps({"action": a.action, "openstacksdk": openstack.version.__version__, **result}))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line that says what failed, for the test's message
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
