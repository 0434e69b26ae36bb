#!/usr/bin/env bash
# clang-format for every C++ file of src/ include/ tests/ examples/ bench/.
#   bash scripts/format.sh          reformats them in place
#   bash scripts/format.sh --check  lists the files that are not formatted (exit 1 if any)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

list_sources() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard -- src include tests examples bench
  else
    find src include tests examples bench -type f 2>/dev/null
  fi | grep -E '\.(h|hpp|cc|cpp)$' | while read -r f; do if [[ -f $f ]]; then echo "$f"; fi; done
}
mapfile -t sources < <(list_sources)

if [[ "${1:-}" != "--check" ]]; then
  if ((${#sources[@]})); then clang-format -i "${sources[@]}"; fi
  echo "format: ${#sources[@]} files formatted"
  exit 0
fi

unformatted=()
for f in "${sources[@]}"; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then unformatted+=("$f"); fi
done
if ((${#unformatted[@]})); then
  echo "format: ${#unformatted[@]} of ${#sources[@]} files are not clang-formatted:" >&2
  for f in "${unformatted[@]}"; do
    echo "  $f ($(clang-format --dry-run "$f" 2>&1 | grep -c 'warning:') places)" >&2
  done
  echo "format: first differences ('bash scripts/format.sh' fixes them all):" >&2
  clang-format "${unformatted[0]}" | diff -u "${unformatted[0]}" - | head -20 >&2 || true
  exit 1
fi
echo "format: all ${#sources[@]} files are clang-formatted"
