#!/usr/bin/env bash
# Install what the tests need and run the whole suite: unit, API (in-process), integration
# (PostgreSQL, MariaDB), end-to-end (a real `nubo up` driven by the real openstack CLI and
# Tempest's identity tests). Extra arguments go to pytest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

install_runtime
venv_install "$ROOT/.venv" "$ROOT/pyproject.toml" -- -e "$ROOT[test]"
# The real clients in a venv of their own, as a user would have them.
venv_install "$ROOT/.venv-clients" "$ROOT/tests/clients-requirements.txt" -- \
  -r "$ROOT/tests/clients-requirements.txt"
. "$ROOT/scripts/test-databases.sh"
# Test-only tools: ssh into the test guests (e2e guest networking), libvirt's XML schema check.
# promtool (Debian package prometheus) checks /metrics and docs/prometheus-alerts.yml.
# chromium: the dashboard's browser tests (tests/browser) drive it through Playwright.
apt_install openssh-client libxml2-utils prometheus chromium

export NUBO_TEST_REQUIRE_DBS=1
# What the install step provides must not turn into a skip: the guest networking e2e fails then.
export NUBO_TEST_REQUIRE_GUEST_TOOLS=1
# ... nor the clients venv (Tempest's response schemas, the openstack CLI) nor the runtime
# packages (tests/install.py)
export NUBO_TEST_REQUIRE_CLIENTS=1 NUBO_TEST_REQUIRE_RUNTIME=1
export NUBO_CLIENTS_VENV="$ROOT/.venv-clients"
cd "$ROOT"
log "ruff, mypy"
"$ROOT/.venv/bin/ruff" check nubo tests bench
"$ROOT/.venv/bin/mypy" nubo
log "pytest"
# --durations: where the suite's time goes (it grew to ~41 min of pytest; see the issue notes)
exec "$ROOT/.venv/bin/pytest" -p no:cacheprovider -q -ra --durations=25 "$@"
