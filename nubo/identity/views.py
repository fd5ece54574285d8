"""Render identity resources as Keystone shows them (with `links`, extras flattened)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nubo.identity import models as m
from nubo.identity.assignments import Grant


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%f")


class Views:
    def __init__(self, base: str) -> None:
        self.base = base   # .../identity/v3

    def link(self, path: str) -> dict[str, str]:
        return {"self": f"{self.base}/{path}"}

    def collection(self, key: str, items: list[dict[str, Any]], path: str) -> dict[str, Any]:
        return {key: items, "links": {"self": f"{self.base}/{path}", "previous": None,
                                      "next": None}}

    def domain(self, d: m.Domain) -> dict[str, Any]:
        return {**(d.extra or {}), "id": d.id, "name": d.name, "description": d.description or "",
                "enabled": d.enabled, "tags": [], "options": {},
                "links": self.link(f"domains/{d.id}")}

    def project(self, p: m.Project | m.Domain, tags: list[str] | None = None
                ) -> dict[str, Any]:
        if isinstance(p, m.Domain):   # a project acting as a domain, as Keystone shows it
            return {**(p.extra or {}), "id": p.id, "name": p.name,
                    "description": p.description or "", "enabled": p.enabled,
                    "domain_id": None, "parent_id": None, "is_domain": True, "tags": [],
                    "options": {}, "links": self.link(f"projects/{p.id}")}
        return {**(p.extra or {}), "id": p.id, "name": p.name,
                "description": p.description or "", "enabled": p.enabled,
                "domain_id": p.domain_id, "parent_id": p.parent_id or p.domain_id,
                "is_domain": False, "tags": tags or [], "options": {},
                "links": self.link(f"projects/{p.id}")}

    def user(self, u: m.User) -> dict[str, Any]:
        out = {**(u.extra or {}), "id": u.id, "name": u.name, "domain_id": u.domain_id,
               "enabled": u.enabled, "password_expires_at": iso(u.password_expires_at),
               "options": u.options or {}, "links": self.link(f"users/{u.id}")}
        if u.default_project_id:
            out["default_project_id"] = u.default_project_id
        if u.description is not None:
            out["description"] = u.description
        return out

    def group(self, g: m.Group) -> dict[str, Any]:
        return {**(g.extra or {}), "id": g.id, "name": g.name, "domain_id": g.domain_id,
                "description": g.description or "", "links": self.link(f"groups/{g.id}")}

    def role(self, r: m.Role) -> dict[str, Any]:
        return {**(r.extra or {}), "id": r.id, "name": r.name,
                "domain_id": None if r.domain_id == m.NULL_DOMAIN else r.domain_id,
                "description": r.description, "options": r.options or {},
                "links": self.link(f"roles/{r.id}")}

    def role_ref(self, r: m.Role) -> dict[str, Any]:
        return {"id": r.id, "name": r.name, "links": self.link(f"roles/{r.id}")}

    def implied(self, prior: m.Role, implied: list[m.Role]) -> dict[str, Any]:
        return {"role_inference": {"prior_role": self.role_ref(prior),
                                   "implies": [self.role_ref(i) for i in implied]},
                "links": self.link(f"roles/{prior.id}/implies")}

    def region(self, r: m.Region) -> dict[str, Any]:
        return {**(r.extra or {}), "id": r.id, "description": r.description or "",
                "parent_region_id": r.parent_region_id, "links": self.link(f"regions/{r.id}")}

    def service(self, s: m.Service) -> dict[str, Any]:
        out = {**(s.extra or {}), "id": s.id, "type": s.type, "enabled": s.enabled,
               "links": self.link(f"services/{s.id}")}
        if s.name is not None:
            out["name"] = s.name
        if s.description is not None:
            out["description"] = s.description
        return out

    def endpoint(self, e: m.Endpoint) -> dict[str, Any]:
        return {**(e.extra or {}), "id": e.id, "service_id": e.service_id,
                "interface": e.interface, "region_id": e.region_id, "region": e.region_id,
                "url": e.url, "enabled": e.enabled, "links": self.link(f"endpoints/{e.id}")}

    def credential(self, c: m.Credential, blob: str) -> dict[str, Any]:
        return {**(c.extra or {}), "id": c.id, "user_id": c.user_id,
                "project_id": c.project_id, "type": c.type, "blob": blob,
                "links": self.link(f"credentials/{c.id}")}

    def policy(self, p: m.Policy) -> dict[str, Any]:
        return {**(p.extra or {}), "id": p.id, "type": p.type, "blob": p.blob,
                "links": self.link(f"policies/{p.id}")}

    def endpoint_group(self, g: m.EndpointGroup) -> dict[str, Any]:
        return {"id": g.id, "name": g.name, "description": g.description,
                "filters": g.filters or {},
                "links": self.link(f"OS-EP-FILTER/endpoint_groups/{g.id}")}

    def consumer(self, c: m.OAuthConsumer, secret: str | None = None) -> dict[str, Any]:
        out = {**(c.extra or {}), "id": c.id, "description": c.description,
               "links": self.link(f"OS-OAUTH1/consumers/{c.id}")}
        if secret is not None:
            out["secret"] = secret
        return out

    def access_rule(self, r: m.AccessRule) -> dict[str, Any]:
        return {"id": r.id, "service": r.service, "path": r.path, "method": r.method,
                "links": self.link(f"users/{r.user_id}/access_rules/{r.id}")}

    def app_cred(self, c: m.ApplicationCredential, rules: list[m.AccessRule],
                 secret: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": c.id, "name": c.name, "description": c.description,
            "user_id": c.user_id, "project_id": c.project_id,
            "expires_at": iso(c.expires_at), "unrestricted": c.unrestricted,
            "roles": [dict(r) for r in c.roles],
            "access_rules": [{"id": r.id, "service": r.service, "path": r.path,
                              "method": r.method} for r in rules],
            "links": self.link(f"users/{c.user_id}/application_credentials/{c.id}")}
        if secret is not None:
            out["secret"] = secret
        return out

    def assignment(self, g: Grant, names: dict[tuple[str, str], dict[str, Any]] | None = None
                   ) -> dict[str, Any]:
        names = names or {}
        scope_path = ("system" if g.target_kind == "system"
                      else f"{g.target_kind}s/{g.target_id}")
        actor_path = "users" if g.actor_kind == "user" else "groups"
        actor_id = g.via_group if g.via_group else g.actor_id
        actor_path = "groups" if g.via_group else actor_path
        link = f"{self.base}/{scope_path}/{actor_path}/{actor_id}/roles/{g.role_id}"
        out: dict[str, Any] = {
            "role": {"id": g.role_id, **names.get(("role", g.role_id), {})},
            g.actor_kind: {"id": g.actor_id, **names.get((g.actor_kind, g.actor_id), {})},
            "scope": ({"system": {"all": True}} if g.target_kind == "system" else
                      {g.target_kind: {"id": g.target_id,
                                       **names.get((g.target_kind, g.target_id), {})}}),
            "links": {"assignment": link}}
        if g.via_group:
            out["links"]["membership"] = (f"{self.base}/groups/{g.via_group}/users/"
                                          f"{g.actor_id}")
        if g.prior_role:
            out["links"]["prior_role"] = f"{self.base}/roles/{g.prior_role}"
        return out
