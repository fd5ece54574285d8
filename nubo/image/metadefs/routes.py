"""The metadef API surface (Glance v2 /v2/metadefs), on one screen."""

from __future__ import annotations

from nubo.core.http import Route
from nubo.image.metadefs.handlers import contents as c
from nubo.image.metadefs.handlers import namespaces as n

NS = "/v2/metadefs/namespaces/{namespace}"

ROUTES: list[Route] = [
    Route("/v2/schemas/metadefs/{kind}", "GET", n.schema),
    Route("/v2/metadefs/resource_types", "GET", n.list_resource_types),
    Route("/v2/metadefs/namespaces", "GET", n.list_),
    Route("/v2/metadefs/namespaces", "POST", n.create),
    Route(NS, "GET", n.show),
    Route(NS, "PUT", n.update),
    Route(NS, "DELETE", n.delete),
    Route(f"{NS}/resource_types", "GET", n.list_associations),
    Route(f"{NS}/resource_types", "POST", n.associate),
    Route(f"{NS}/resource_types/{{resource_type}}", "DELETE", n.dissociate),
    Route(f"{NS}/objects", "GET", c.list_objects),
    Route(f"{NS}/objects", "POST", c.create_object),
    Route(f"{NS}/objects", "DELETE", c.delete_objects),
    Route(f"{NS}/objects/{{object_name}}", "GET", c.show_object),
    Route(f"{NS}/objects/{{object_name}}", "PUT", c.update_object),
    Route(f"{NS}/objects/{{object_name}}", "DELETE", c.delete_object),
    Route(f"{NS}/properties", "GET", c.list_properties),
    Route(f"{NS}/properties", "POST", c.create_property),
    Route(f"{NS}/properties", "DELETE", c.delete_properties),
    Route(f"{NS}/properties/{{property_name}}", "GET", c.show_property),
    Route(f"{NS}/properties/{{property_name}}", "PUT", c.update_property),
    Route(f"{NS}/properties/{{property_name}}", "DELETE", c.delete_property),
    Route(f"{NS}/tags", "GET", c.list_tags),
    Route(f"{NS}/tags", "POST", c.create_tags),
    Route(f"{NS}/tags", "DELETE", c.delete_tags),
    Route(f"{NS}/tags/{{tag_name}}", "GET", c.show_tag),
    Route(f"{NS}/tags/{{tag_name}}", "POST", c.create_tag),
    Route(f"{NS}/tags/{{tag_name}}", "PUT", c.update_tag),
    Route(f"{NS}/tags/{{tag_name}}", "DELETE", c.delete_tag),
]
