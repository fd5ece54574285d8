"""Orchestration: Heat's v1 API, a HOT template engine and a durable stack engine."""
