#!/usr/bin/env bash
# Install everything Nubo needs (Debian packages, a virtualenv, the openstack CLI) and run the
# cloud in the foreground. Arguments go to `nubo up` (see `.venv/bin/nubo up --help`).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
install_runtime
install_clients
# The ready banner puts this directory on PATH in the line it prints.
export NUBO_CLIENTS_BIN="$ROOT/.venv-clients/bin"
exec "$ROOT/.venv/bin/nubo" up "$@"
