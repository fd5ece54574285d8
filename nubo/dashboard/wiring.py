"""Build the dashboard from the controller's service apps and policies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from nubo.core.http import ServiceApp
from nubo.dashboard.app import Authenticator, Dashboard, PolicyCheck
from nubo.dashboard.gateway import Gateway
from nubo.dashboard.reads import ServerLister
from nubo.dashboard.routes import ROUTES


def build(services: Iterable[ServiceApp], authenticate: Authenticator, *,
          compute: PolicyCheck, network: PolicyCheck, volume: PolicyCheck,
          identity: PolicyCheck, servers: ServerLister, https: bool = False) -> Dashboard:
    policies: Mapping[str, PolicyCheck] = {
        "os_compute_api:": compute, "volume": volume, "identity:": identity,
        "": network}     # Neutron's rules have no prefix: last
    return Dashboard(ROUTES, Gateway({s.prefix: s for s in services}), authenticate,
                     policies, servers, https)
