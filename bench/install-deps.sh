#!/usr/bin/env bash
# Installs what bench/run.sh needs: nabla's own dependencies and PyTorch and LibTorch from
# Debian (python3-torch, libtorch-dev) and oneDNN (libdnnl-dev, measured against nabla's conv2d),
# through scripts/install-deps.sh. Does nothing (and
# needs no network) when they are all installed already.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/install-deps.sh" python3-torch libtorch-dev libdnnl-dev
