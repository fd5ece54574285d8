"""Imports every service's models so that `Base.metadata` knows all tables (for Alembic)."""


def load_all() -> None:
    import nubo.compute.models  # noqa: F401
    import nubo.compute.models_actions  # noqa: F401
    import nubo.compute.models_aggregates  # noqa: F401
    import nubo.compute.models_events  # noqa: F401
    import nubo.compute.models_flavors  # noqa: F401
    import nubo.compute.models_groups  # noqa: F401
    import nubo.compute.models_keypairs  # noqa: F401
    import nubo.compute.models_quotas  # noqa: F401
    import nubo.core.leases  # noqa: F401
    import nubo.identity.models  # noqa: F401
    import nubo.image.metadefs.models  # noqa: F401
    import nubo.image.models  # noqa: F401
    import nubo.network.models  # noqa: F401
    import nubo.network.models_address_scopes  # noqa: F401
    import nubo.network.models_l3  # noqa: F401
    import nubo.network.models_pf  # noqa: F401
    import nubo.network.models_secgroups  # noqa: F401
    import nubo.network.models_subnetpools  # noqa: F401
    import nubo.orchestration.models  # noqa: F401
    import nubo.placement.models  # noqa: F401
    import nubo.volume.models  # noqa: F401
