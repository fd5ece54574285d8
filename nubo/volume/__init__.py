"""Block Storage: Cinder's v3 API under /volume (volumes, types, snapshots, quotas)."""
