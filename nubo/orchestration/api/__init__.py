"""The orchestration API (Heat v1 under /orchestration/v1/{project_id})."""
