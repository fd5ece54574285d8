"""Drives a host dataplane from the Network API's tables: `desired.py` reads what this host
should carry, `apply.py` applies the difference to the last applied state, `loop.py` runs it
(kicked by every committed change to the network tables, see `changes.py`), and
`dhcp_ports.py` keeps each network's DHCP port bound here as Neutron's DHCP agent does."""
