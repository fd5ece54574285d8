#!/usr/bin/env bash
# Install everything Nubo needs (Debian packages, a virtualenv) and run the cloud in the
# foreground. Arguments go to `nubo up` (see `.venv/bin/nubo up --help`).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
install_runtime
exec "$ROOT/.venv/bin/nubo" up "$@"
