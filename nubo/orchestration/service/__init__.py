"""The orchestration service: stacks in the database (stacks.py), the other services called
in-process (cloud.py), the read side (views of resources, events, outputs)."""
