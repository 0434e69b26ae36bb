#!/usr/bin/env bash
# Prints how long a translation unit containing only `#include <nabla/nabla.h>` takes to
# compile (C++17 -O2, best of 3) and fails above the limit in seconds (default 1.5).
# The compiler's CPU time (user + system) is measured rather than wall time, so that a busy
# machine (a parallel ctest, other builds) does not make the number meaningless.
# Usage: scripts/include-time.sh [compiler] [include-dir] [limit]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cxx="${1:-${CXX:-c++}}"
include_dir="${2:-$root/include}"
limit="${3:-1.5}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
printf '#include <nabla/nabla.h>\nint main() { return 0; }\n' > "$tmp/tu.cpp"

best=""
TIMEFORMAT='%U %S'
for _ in 1 2 3; do
  cpu=$({ time "$cxx" -std=c++17 -O2 -I"$include_dir" -c "$tmp/tu.cpp" -o "$tmp/tu.o" 2>&3; } \
        3>&2 2>&1 | awk '{ printf "%.2f", $1 + $2 }')
  if [[ -z "$best" ]] || awk -v a="$cpu" -v b="$best" 'BEGIN { exit !(a < b) }'; then
    best=$cpu
  fi
done
echo "#include <nabla/nabla.h> compiles in ${best} s CPU (C++17 -O2, best of 3; target < ${limit} s)"
if ! awk -v s="$best" -v l="$limit" 'BEGIN { exit !(s < l) }'; then
  echo "include time ${best} s is above the ${limit} s target" >&2
  exit 1
fi
