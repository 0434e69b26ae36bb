#!/usr/bin/env bash
# Installs what bench/run.sh needs: nabla's own dependencies (scripts/install-deps.sh), then
# PyTorch and LibTorch from Debian (python3-torch, libtorch-dev). Does nothing (and needs no
# network) when they are all installed already.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh"

packages=(python3-torch libtorch-dev)
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "bench/install-deps: ${packages[*]} are installed"
  exit 0
fi
if ((EUID == 0)); then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "bench/install-deps: missing ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi
echo "bench/install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
