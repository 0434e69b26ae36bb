#!/usr/bin/env bash
# Installs the Debian packages needed to build and test nabla, plus any package names given as
# arguments (bench/install-deps.sh passes PyTorch's and LibTorch's). Does nothing (and needs no
# network) when they are all installed already.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config clang-format       # toolchain, clang-format for the style check
  libopenblas-dev libfmt-dev nlohmann-json3-dev zlib1g-dev  # the library's dependencies
  libminizip-dev                                      # PyTorch's torch.save zip files
  libgtest-dev libgmock-dev libbenchmark-dev          # tests and benchmarks
  libcli11-dev dataset-fashion-mnist                  # the Fashion-MNIST trainer
  fortunes                                            # the char-level language model's text
  openmpi-bin libopenmpi-dev                          # nabla::distributed (optional: -DNABLA_MPI=OFF)
  libdnnl-dev                                         # oneDNN: float32 convolutions (optional: -DNABLA_WITH_DNNL=OFF)
)
packages+=("$@")

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed$'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

if ((EUID == 0)); then
  sudo=()
elif command -v sudo >/dev/null; then
  sudo=(sudo)
else
  echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
