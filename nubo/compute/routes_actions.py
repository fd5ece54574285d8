"""The routes of the server actions' companions: tags, remote consoles and their tokens,
migrations, external events, diagnostics."""

from __future__ import annotations

from nubo.compute.handlers import server_extras as x
from nubo.core.http import Route

S = "/v2.1/servers/{server_id}"
M = f"{S}/migrations/{{migration_id}}"

ACTION_ROUTES: list[Route] = [
    Route(f"{S}/tags", "GET", x.tags_list, min_version="2.26"),
    Route(f"{S}/tags", "PUT", x.tags_replace, min_version="2.26"),
    Route(f"{S}/tags", "DELETE", x.tags_clear, min_version="2.26"),
    Route(f"{S}/tags/{{tag}}", "GET", x.tag_show, min_version="2.26"),
    Route(f"{S}/tags/{{tag}}", "PUT", x.tag_add, min_version="2.26"),
    Route(f"{S}/tags/{{tag}}", "DELETE", x.tag_delete, min_version="2.26"),
    Route(f"{S}/remote-consoles", "POST", x.remote_consoles, min_version="2.6"),
    Route("/v2.1/os-console-auth-tokens/{token}", "GET", x.console_token),
    Route("/v2.1/os-migrations", "GET", x.migrations_list),
    Route(f"{S}/migrations", "GET", x.server_migrations, min_version="2.23"),
    Route(M, "GET", x.server_migration, min_version="2.23"),
    Route(M, "DELETE", x.abort_migration, min_version="2.24"),
    Route(f"{M}/action", "POST", x.force_complete, min_version="2.22"),
    Route("/v2.1/os-server-external-events", "POST", x.external_events),
    Route(f"{S}/diagnostics", "GET", x.diagnostics),
]
