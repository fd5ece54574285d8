"""The stack engine: durable, resumable work on stacks (create, update, delete, rollback)."""
