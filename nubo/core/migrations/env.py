from __future__ import annotations

from alembic import context

from nubo.core.db import Base
from nubo.models import load_all

load_all()
connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite",
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
