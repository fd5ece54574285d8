"""Glance's Metadata Definitions catalog (metadefs): namespaces of property, object and tag
definitions that dashboards offer when a user edits the metadata of an image, flavor, volume
or aggregate. Its routes are in `routes.py`; this package imports nothing on load so that
`nubo.image.policies` and `nubo.image.routes` can both reach into it without a cycle."""
