"""Cinder's v3 API under /volume: routes, handlers, schemas, views, policies."""
