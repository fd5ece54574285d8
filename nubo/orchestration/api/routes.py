"""The orchestration API surface (Heat v1), on one screen. Paths are under
/orchestration/v1/{tenant_id}; /stacks/{name}[/...] answers 302 to the stack's canonical
/stacks/{name}/{id}[/...] (Heat's lookup, that clients rely on)."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.orchestration.api.handlers import events, misc, resources, signal, stacks

T = "/v1/{tenant_id}"
S = T + "/stacks/{stack_name}/{stack_id}"
L = T + "/stacks/{stack_name}"
R = S + "/resources/{resource_name}"
_LOOKUP_TAILS = ("resources", "events", "template", "environment", "files", "outputs")
_ANY = ("GET", "PUT", "PATCH", "DELETE", "POST")

ROUTES: list[Route] = [
    Route("/", "GET", misc.root, auth=False),
    # stacks
    Route(T + "/stacks", "GET", stacks.list_),
    Route(T + "/stacks", "POST", stacks.create),
    Route(T + "/stacks/detail", "GET", stacks.list_detail),
    Route(T + "/stacks/preview", "POST", stacks.preview),
    # lookups by name or id (302); before the canonical paths they share a shape with
    *[Route(f"{L}/{tail}", "GET", stacks.lookup) for tail in _LOOKUP_TAILS],
    *[Route(f"{L}/{tail}/{{rest:path}}", "GET", stacks.lookup)
      for tail in ("resources", "outputs")],
    *[Route(L, m, stacks.lookup) for m in _ANY],
    Route(S, "GET", stacks.show),
    Route(S, "PUT", stacks.update),
    Route(S, "PATCH", stacks.patch),
    Route(S, "DELETE", stacks.delete),
    Route(S + "/preview", "PUT", stacks.preview_update),
    Route(S + "/preview", "PATCH", stacks.preview_update),
    Route(S + "/template", "GET", stacks.template),
    Route(S + "/environment", "GET", stacks.environment),
    Route(S + "/files", "GET", stacks.files),
    Route(S + "/outputs", "GET", stacks.outputs),
    Route(S + "/outputs/{output_key}", "GET", stacks.output),
    # resources and events
    Route(S + "/resources", "GET", resources.list_),
    Route(R, "GET", resources.show),
    Route(R + "/metadata", "GET", resources.metadata),
    # a wait condition handle's signal: its own token, not Keystone's (curl_cli)
    Route(R + "/signal", "POST", signal.signal, auth=False),
    Route(S + "/events", "GET", events.list_),
    Route(R + "/events", "GET", events.list_),
    Route(R + "/events/{event_id}", "GET", events.show),
    # discovery
    Route(T + "/validate", "POST", misc.validate),
    Route(T + "/resource_types", "GET", misc.resource_types),
    Route(T + "/resource_types/{type_name}", "GET", misc.resource_type),
    Route(T + "/template_versions", "GET", misc.template_versions),
    Route(T + "/template_versions/{template_version}/functions", "GET",
          misc.template_functions),
    Route(T + "/build_info", "GET", misc.build_info),
    Route(T + "/services", "GET", misc.services),
    # later steps: a clear 400 each
    Route(S + "/actions", "POST", misc.later),
    Route(S + "/abandon", "DELETE", misc.later),
    Route(S + "/export", "GET", misc.later),
    Route(S + "/snapshots", "GET", misc.later),
    Route(S + "/snapshots", "POST", misc.later),
    Route(R, "POST", misc.later),          # signal
    Route(R, "PATCH", misc.later),         # mark unhealthy
    Route(T + "/resource_types/{type_name}/template", "GET", misc.later),
    Route(T + "/software_configs", "GET", misc.later),
    Route(T + "/software_configs", "POST", misc.later),
    Route(T + "/software_deployments", "GET", misc.later),
    Route(T + "/software_deployments", "POST", misc.later),
]
