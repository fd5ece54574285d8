"""Wiring of the identity service: the objects its handlers use, built once per process."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from nubo.config import Settings
from nubo.core.context import RequestContext
from nubo.core.db import Database
from nubo.core.policy import Policy
from nubo.identity.access_rules import AccessRules
from nubo.identity.appcreds import AppCreds
from nubo.identity.assignments import Assignments
from nubo.identity.auth import Auth
from nubo.identity.catalog import Catalog
from nubo.identity.credentials import CredentialStore
from nubo.identity.crypt import SecretBox
from nubo.identity.domain_configs import DomainConfigs
from nubo.identity.ep_filter import EndpointFilter
from nubo.identity.limits import UnifiedLimits
from nubo.identity.oauth1 import Consumers
from nubo.identity.passwords import Hasher
from nubo.identity.policies import RULES
from nubo.identity.policy_blobs import PolicyBlobs
from nubo.identity.service import IdentityService
from nubo.identity.tokens import KeyRepository
from nubo.identity.views import Views

PREFIX = "/identity"


class IdentityApi:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.base_url = settings.base_url + PREFIX
        self.keys = KeyRepository(settings.data_dir / "keys" / "fernet")
        self.identity = IdentityService(db, Hasher(settings.password_hash_rounds),
                                        on_change=self._changed)
        self.assignments = Assignments(self.identity)
        self.catalog = Catalog(self.identity)
        self.ep_filter = EndpointFilter(self.identity)
        self.auth = Auth(settings, self.identity, self.assignments, self.catalog, self.keys)
        self.appcreds = AppCreds(self.identity, self.assignments)
        self.access_rules = AccessRules(self.identity)
        self.limits = UnifiedLimits(self.identity, settings.limit_enforcement_model)
        box = SecretBox(settings.data_dir / "keys" / "credential")
        self.credentials = CredentialStore(self.identity, box)
        self.policy_blobs = PolicyBlobs(self.identity)
        self.domain_configs = DomainConfigs(self.identity)
        self.consumers = Consumers(self.identity, box)
        self.views = Views(self.base_url + "/v3")
        self.policy = Policy(RULES, settings.effective_policy_file)

    def _changed(self) -> None:
        self.auth.invalidate()

    def enforce(self, ctx: RequestContext, action: str,
                target: dict[str, Any] | None = None) -> None:
        self.policy.enforce(ctx, action, target)


def api(request: Request) -> IdentityApi:
    state: IdentityApi = request.scope["nubo.state"]
    return state
