#!/usr/bin/env bash
# Install everything Wangge needs on Debian 12 (bookworm), idempotently:
#   scripts/install.sh          system packages for the product, .venv, the package, web assets
#   scripts/install.sh --test   the same plus PostGIS, Chromium and the test dependencies
# System packages come from Debian, Python packages from PyPI, front-end packages from npm (pinned).
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
[[ "${1:-}" == "--test" ]] && with_test=1

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_pkgs=(python3 python3-venv python3-dev libsqlite3-mod-spatialite gdal-bin)
command -v node >/dev/null 2>&1 || apt_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_pkgs+=(npm)
if (( with_test )); then
  apt_pkgs+=(postgresql postgresql-15-postgis-3 chromium chromium-driver fonts-noto-cjk)
fi

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "==> apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "==> creating .venv with $($python --version)"
  "$python" -m venv .venv
fi
extras="data"
(( with_test )) && extras="test,data"
echo "==> pip install -e .[$extras]"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[$extras]"

if [[ -f web/package.json ]]; then
  echo "==> building web assets (npm ci && npm run build)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
fi
echo "==> installed"
