"""Network service (Neutron v2.0): networks, subnets, ports, IPAM; routers and security groups."""
