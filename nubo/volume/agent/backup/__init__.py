"""Backup stores: where backups of volumes go (Cinder's backup drivers)."""
