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
# --durations: where the suite's time goes
PYTEST=("$ROOT/.venv/bin/pytest" -p no:cacheprovider -q -ra --durations=25)
if [ $# -gt 0 ]; then
  log "pytest $*"
  exec "${PYTEST[@]}" "$@"
fi
# The whole suite as two streams on the machine's two cores: Tempest's runs (a `nubo up`
# answering one Tempest client at a time, about a quarter of the suite's time) beside
# everything else. Each stream has its own pytest temp dir; the Tempest stream's output is
# shown after the other's, and either one failing fails the run.
tempest_dir=$(mktemp -d /tmp/nubo-test-tempest.XXXXXX)
log "pytest tests/e2e/test_tempest.py (in the background; output in $tempest_dir/out.log)"
"${PYTEST[@]}" --basetemp="$tempest_dir/tmp" tests/e2e/test_tempest.py \
  >"$tempest_dir/out.log" 2>&1 &
tempest_pid=$!
trap 'kill "$tempest_pid" 2>/dev/null || true' EXIT
log "pytest (all but Tempest)"
rest_rc=0
"${PYTEST[@]}" --ignore=tests/e2e/test_tempest.py || rest_rc=$?
tempest_rc=0
wait "$tempest_pid" || tempest_rc=$?
trap - EXIT
log "pytest tests/e2e/test_tempest.py (ran beside the rest): exit $tempest_rc"
cat "$tempest_dir/out.log"
log "exit codes: the rest $rest_rc, Tempest $tempest_rc"
[ "$rest_rc" = 0 ] && [ "$tempest_rc" = 0 ]
