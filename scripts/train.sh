#!/usr/bin/env bash
# The main job, in one command on a fresh Debian machine: installs what is needed, builds nabla
# (Release) and trains the default Fashion-MNIST classifier (MLP 784-256-128-10, Adam 1e-3,
# batch 64, 5 epochs) on Debian's dataset-fashion-mnist. Extra arguments go to the trainer:
#   bash scripts/train.sh --epochs 10 --optimizer sgd --lr 0.1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-deps.sh
build="${NABLA_BUILD_DIR:-$root/build}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNABLA_BUILD_TESTS=OFF \
  -DNABLA_BUILD_EXAMPLES=ON
cmake --build "$build" --parallel "$(nproc)" --target nabla_example_fashion_mnist
mkdir -p "$root/runs"
cd "$root/runs"
exec "$build/examples/nabla_example_fashion_mnist" "$@"
