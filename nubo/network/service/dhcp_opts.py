"""Extra DHCP options of a port (extension `extra_dhcp_opt`): Neutron's validation of the
`extra_dhcp_opts` list and how a create or update changes what a port keeps.

Each option is `{"opt_name", "opt_value", "ip_version"}`; (opt_name, ip_version) is unique per
port. An update merges by (opt_name, ip_version): a new value replaces, `opt_value: null`
removes, an unknown option is added. `router` and `classless-static-route` may have an empty
value (send the option empty: no default route); other options need a one-line value.
"""

from __future__ import annotations

from typing import Any

from nubo.network import errors

NAME_MAX = 64
VALUE_MAX = 255
BLANKABLE = ("router", "classless-static-route")
KEYS = {"opt_name", "opt_value", "ip_version"}

Opt = dict[str, Any]


def _bad(reason: str) -> Exception:
    return errors.bad_request(f"Invalid input for extra_dhcp_opts. Reason: {reason}")


def _oneline(v: Any, max_len: int, what: str, nullable: bool, blank: bool) -> None:
    if v is None and nullable:
        return
    if not isinstance(v, str):
        raise _bad(f"'{v}' is not a valid string for {what}.")
    if len(v) > max_len:
        raise _bad(f"'{v}' exceeds maximum length of {max_len} for {what}.")
    # A line break is refused even where Neutron allows a blank value: each option is one
    # line of dnsmasq's options file.
    if (not blank and not v.strip()) or "\n" in v or "\r" in v:
        raise _bad(f"'{v}' Blank strings and multi-line strings are not allowed for {what}.")


def validate(value: Any) -> list[Opt] | None:
    """The list as given, checked and with ip_version made an int (default 4); 400 else."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise _bad(f"'{value}' is not a list.")
    out: list[Opt] = []
    seen: set[tuple[str, int]] = set()
    for opt in value:
        if not isinstance(opt, dict):
            raise _bad(f"'{opt}' is not a dictionary.")
        if set(opt) - KEYS or not {"opt_name", "opt_value"} <= set(opt):
            raise _bad(f"'{opt}' does not match any of the key specs: opt_name and "
                       "opt_value are required, ip_version is optional.")
        name = opt["opt_name"]
        blank = isinstance(name, str) and name in BLANKABLE
        _oneline(name, NAME_MAX, "opt_name", nullable=False, blank=False)
        _oneline(opt["opt_value"], VALUE_MAX, "opt_value", nullable=True, blank=blank)
        version = opt.get("ip_version", 4)
        try:
            version = int(version) if not isinstance(version, bool) else None
        except (TypeError, ValueError):
            version = None
        if version not in (4, 6):
            raise _bad(f"'{opt.get('ip_version')}' is not in [4, 6] for ip_version.")
        if (name, version) in seen:
            raise _bad(f"Duplicate option {name} for IP version {version}.")
        seen.add((name, version))
        out.append({"opt_name": name, "opt_value": opt["opt_value"], "ip_version": version})
    return out


def _kept(opt: Opt) -> bool:
    """Neutron stores an option only with a value (an empty one only where allowed)."""
    v = opt["opt_value"]
    return v is not None and (bool(v) or opt["opt_name"] in BLANKABLE)


def for_create(opts: list[Opt] | None) -> list[Opt]:
    return [dict(o) for o in opts or [] if _kept(o)]


def merged(current: list[Opt] | None, changes: list[Opt] | None) -> list[Opt]:
    """What a port keeps after an update with `changes` (None or []: unchanged)."""
    out = [dict(o) for o in current or []]
    for change in changes or []:
        key = (change["opt_name"], change["ip_version"])
        at = next((i for i, o in enumerate(out) if (o["opt_name"], o["ip_version"]) == key),
                  None)
        if at is None:
            if _kept(change):
                out.append(dict(change))
        elif change["opt_value"] is None:
            del out[at]
        elif _kept(change):
            out[at]["opt_value"] = change["opt_value"]
    return out
