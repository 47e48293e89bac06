#!/usr/bin/env bash
# Install everything, then run Wangge on the embedded database (one SQLite/SpatiaLite file under
# var/) with the sample district of Tianjin Heping, its cells and the demo accounts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
mkdir -p var
export DATABASE_URL=${DATABASE_URL:-sqlite:///var/wangge.sqlite}
exec .venv/bin/wangge serve --demo --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
