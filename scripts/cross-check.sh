#!/usr/bin/env bash
# Compile check of the library for aarch64 (issue 14's portability promise): every source of
# src/ through Debian's cross compiler (g++-aarch64-linux-gnu) with -fsyntax-only and the
# warnings of the real build as errors. Nothing is linked: the dependencies' headers are the
# host's (they are the same for both architectures), the libraries would not be. Code that
# uses x86 intrinsics or x86-only builtins without a guard and a portable fallback fails here.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-deps.sh g++-aarch64-linux-gnu
cxx=aarch64-linux-gnu-g++
flags=(-std=c++20 -fsyntax-only -Wall -Wextra -Werror -Wno-array-bounds -Wno-stringop-overflow
       -Wno-stringop-overread -Wno-restrict -Iinclude -Isrc)
read -r -a dep_flags <<< "$(pkg-config --cflags openblas minizip fmt)"
started=$SECONDS
mapfile -t sources < <(find src -name '*.cpp' | sort)
printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -I{} "$cxx" "${flags[@]}" "${dep_flags[@]}" {}
echo "cross-check: ${#sources[@]} sources compile for aarch64 ($($cxx -dumpmachine)," \
     "$((SECONDS - started)) s)"
