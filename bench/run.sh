#!/usr/bin/env bash
# Builds and runs every benchmark in nabla, PyTorch and LibTorch side by side and writes a
# Markdown report (bench/README.md explains it).
#   bash bench/run.sh                  # everything, ~10-15 minutes -> bench/RESULTS.md
#   bash bench/run.sh --quick          # smoke check, ~2 minutes -> bench/out/RESULTS-quick.md
#   bash bench/run.sh --only matmul    # one workload: mlp lstm matmul elementwise overhead
#                                      # conv cnn batchnorm maxpool memory build attention gpt
#                                      # trainer
#   bash bench/run.sh --output FILE    # write the report elsewhere
# Environment: NABLA_BENCH_BUILD_DIR (default build-bench), NABLA_BENCH_JOBS (ninja -j).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python=/usr/bin/python3

quick=0
only=""
output=""
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --only) only="$2"; shift ;;
    --output) output="$2"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
case "$only" in
  ""|mlp|lstm|matmul|matmul16|autocast|elementwise|overhead|conv|cnn|batchnorm|maxpool|memory|build|attention|gpt|trainer) ;;
  *) echo "run.sh: --only takes mlp, lstm, matmul, elementwise, overhead, conv, cnn, batchnorm," \
          "maxpool, memory, build, attention, gpt or trainer" >&2
     exit 2 ;;
esac
build="${NABLA_BENCH_BUILD_DIR:-$root/build-bench}"
out="$root/bench/out"
if [[ -z "$output" ]]; then
  if ((quick)); then output="$out/RESULTS-quick.md"; else output="$root/bench/RESULTS.md"; fi
fi
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"
log="$out/run.log"
: > "$log"

bash "$root/bench/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNABLA_BUILD_BENCH=ON >> "$log"
targets=(nabla nabla_bench_peak nabla_bench_interleaved nabla_bench_mlp nabla_bench_lstm nabla_bench_ops nabla_bench_conv)
targets+=(torch_bench_mlp torch_bench_lstm torch_bench_ops torch_bench_conv)
targets+=(nabla_bench_norm torch_bench_norm)
targets+=(nabla_bench_memory torch_bench_memory)
targets+=(nabla_bench_attention nabla_bench_gpt torch_bench_gpt)
targets+=(nabla_example_fashion_mnist)  # the main job (workload 13)
targets+=(nabla_bench_trainer torch_bench_trainer)  # the same, one program for both
# oneDNN's convolutions alone, when libdnnl-dev is installed (bench/CMakeLists.txt).
onednn=0
if ninja -C "$build" -t targets all 2>/dev/null | grep -q '^nabla_bench_conv_onednn:'; then
  targets+=(nabla_bench_conv_onednn)
  onednn=1
fi
if [[ -n "$only" ]]; then  # only the programs of that workload (LibTorch's take minutes each)
  case "$only" in
    matmul|matmul16|elementwise|overhead) program=ops ;;
    cnn) program=conv ;;
    autocast) program=mlp ;;
    batchnorm|maxpool) program=norm ;;
    build) program="" ;;
    trainer) program=trainer ;;
    *) program="$only" ;;
  esac
  kept=(nabla nabla_bench_peak)
  [[ "$only" == matmul ]] && kept+=(nabla_bench_interleaved)
  [[ "$only" == trainer ]] && kept+=(nabla_example_fashion_mnist)
  for t in "${targets[@]}"; do
    [[ -n "$program" && ( "$t" == *_bench_"$program" || "$t" == *_bench_"$program"_onednn ||
      "$t" == nabla_"$program" ) ]] &&
      kept+=("$t")
  done
  targets=("${kept[@]}")
fi
echo "run.sh: building ${targets[*]} in $build"
ninja -C "$build" ${NABLA_BENCH_JOBS:+-j"$NABLA_BENCH_JOBS"} "${targets[@]}" >> "$log"

if ((quick)); then reps=5; else reps=7; fi
flags=(--reps "$reps")
((quick)) && flags+=(--quick)
want() { [[ -z "$only" || "$only" == "$1" ]]; }

# run LABEL OPENBLAS_THREADS COMMAND...: appends the command's JSON lines to the results.
run() {
  local label="$1" blas="$2"
  shift 2
  echo "run.sh: $label" >&2
  if ! OPENBLAS_NUM_THREADS="$blas" "$@" >> "$results" 2>> "$log"; then
    echo "run.sh: $label failed (see $log)" >&2
  fi
}
bin="$build/bench"
py="$root/bench/pytorch"

# The machine's peaks first, and OpenBLAS alone on the matmul shapes.
run "peak" 1 "$bin/nabla_bench_peak" "${flags[@]}" --only peak
if want matmul; then
  # Also with the OpenBLAS kernels that suit this CPU forced (OpenBLAS 0.3.21 does not know
  # every new core and may run older kernels on it), so that nabla is compared with the best.
  right_core=Haswell
  grep -q avx512f /proc/cpuinfo && right_core=SkylakeX
  for t in 1 2; do
    run "openblas sgemm, $t threads" "$t" "$bin/nabla_bench_peak" "${flags[@]}" --only matmul \
      --threads "$t"
    OPENBLAS_CORETYPE=$right_core run "openblas ($right_core) sgemm, $t threads" "$t" \
      "$bin/nabla_bench_peak" "${flags[@]}" --only matmul --threads "$t"
  done
  # nabla, OpenBLAS and oneDNN in rotation in one process, on 1 and 2 threads: the ratio of
  # kernels, whatever the machine's speed does between programs.
  for t in 1 2; do
    run "matmul interleaved, $t thread(s)" "$t" "$bin/nabla_bench_interleaved" "${flags[@]}" \
      --threads "$t"
    OPENBLAS_CORETYPE=$right_core run "matmul interleaved ($right_core), $t thread(s)" "$t" \
      "$bin/nabla_bench_interleaved" "${flags[@]}" --threads "$t"
  done
fi

# Each framework in each configuration worth trying: nabla on 1 and 2 threads (it sizes
# OpenBLAS's pool itself); PyTorch and LibTorch with torch threads / OpenBLAS threads 1/1,
# 2/1 and 2/2. Flush-to-zero is on everywhere. The report keeps each framework's best.
configs=("1 1" "2 1" "2 2")
nabla_configs=(1 2)
mlp_runs=2
if ((quick)); then  # fewer configurations, to stay within a couple of minutes
  configs=("1 1" "2 2")
  nabla_configs=(2)
  mlp_runs=1
fi
for workload in mlp lstm ops conv norm; do
  if [[ "$workload" == norm ]]; then
    sub=()
    for w in batchnorm maxpool; do want "$w" && sub+=("$w"); done
    ((${#sub[@]})) || continue
  elif [[ "$workload" == ops || "$workload" == conv ]]; then
    sub=()
    subs=(matmul matmul16 elementwise overhead)
    [[ "$workload" == conv ]] && subs=(conv cnn)
    for w in "${subs[@]}"; do want "$w" && sub+=("$w"); done
    ((${#sub[@]})) || continue
  else
    want "$workload" || continue
    sub=("")
  fi
  for w in "${sub[@]}"; do
    extra=()
    [[ -n "$w" ]] && extra=(--only "$w")
    name="${w:-$workload}"
    repeat=1
    [[ "$workload" == mlp ]] && repeat=$mlp_runs
    for ((r = 0; r < repeat; ++r)); do
      # The MLP target is for nabla on 2 threads; 1 thread is measured elsewhere. Each of its
      # full runs trains on another order of the samples (the same orders in every
      # framework): the test accuracy after 3 epochs moves by points with the rounding alone,
      # and the report compares the frameworks' means over the orders.
      nabla_threads=("${nabla_configs[@]}")
      [[ "$workload" == mlp ]] && nabla_threads=(2) && extra=(--order "$r")
      for t in "${nabla_threads[@]}"; do
        run "$name nabla t$t" "$t" "$bin/nabla_bench_$workload" "${flags[@]}" "${extra[@]}" \
          --threads "$t"
      done
      for c in "${configs[@]}"; do
        read -r t b <<< "$c"
        probe=()
        if [[ "$workload" == mlp && "$c" != "1 1" ]]; then
          # OpenBLAS on 2 threads under 2 torch threads oversubscribes the MLP's small GEMMs;
          # 2/1 is probed with one epoch (on a busy machine it can take ten times longer).
          [[ "$c" == "2 2" || $r -gt 0 ]] && continue
          probe=(--epochs 1)
        fi
        run "$name libtorch t$t b$b" "$b" "$bin/torch_bench_$workload" "${flags[@]}" \
          "${extra[@]}" "${probe[@]}" --threads "$t"
        run "$name pytorch t$t b$b" "$b" "$python" "$py/$workload.py" "${flags[@]}" \
          "${extra[@]}" "${probe[@]}" --threads "$t"
      done
      # oneDNN alone on the conv shapes (OpenMP threads), between the frameworks' runs.
      if [[ "$w" == conv ]] && ((onednn)); then
        for t in "${nabla_configs[@]}"; do
          OMP_NUM_THREADS="$t" run "conv onednn t$t" 1 "$bin/nabla_bench_conv_onednn" \
            "${flags[@]}" --threads "$t"
        done
      fi
    done
  done
done

# The MLP under autocast to bfloat16 (float32 master weights), each framework at its MLP
# configuration; with --only autocast the float32 epochs are rerun beside it for the ratio.
if want autocast; then
  modes=(autocast)
  [[ "$only" == autocast ]] && modes+=(float32)
  for mode in "${modes[@]}"; do
    extra=()
    [[ "$mode" == autocast ]] && extra=(--only autocast)
    run "mlp $mode nabla t2" 2 "$bin/nabla_bench_mlp" "${flags[@]}" "${extra[@]}" --threads 2
    run "mlp $mode libtorch t1 b1" 1 "$bin/torch_bench_mlp" "${flags[@]}" "${extra[@]}" \
      --threads 1
    run "mlp $mode pytorch t1 b1" 1 "$python" "$py/mlp.py" "${flags[@]}" "${extra[@]}" \
      --threads 1
  done
fi

# Memory (workload 9): one case per process, since a peak RSS is the whole process's; nabla
# and LibTorch alternate so that both see the same machine.
if want memory; then
  for c in vector training; do
    run "memory $c nabla" 1 "$bin/nabla_bench_memory" "${flags[@]}" --only "$c" --threads 1
    run "memory $c libtorch" 1 "$bin/torch_bench_memory" "${flags[@]}" --only "$c" --threads 1
  done
fi

# Attention (workload 11): sdpa forward + backward, nabla's fused kernel and its composite
# against PyTorch's; then the peak memory of each variant at T = 2048, one process each.
if want attention; then
  for t in "${nabla_configs[@]}"; do
    run "attention nabla t$t" "$t" "$bin/nabla_bench_attention" "${flags[@]}" --threads "$t"
    run "attention pytorch t$t b1" 1 "$python" "$py/attention.py" "${flags[@]}" --threads "$t"
  done
  for v in fused composite; do
    run "attention memory $v" 1 "$bin/nabla_bench_attention" "${flags[@]}" \
      --only "${v}_memory" --threads 1
  done
fi

# The char-level GPT (workload 12): a training step at examples/char_gpt.cpp's defaults in the
# three frameworks (interleaved), and generation with the KV cache vs recomputing (nabla and
# LibTorch).
if want gpt; then
  for t in "${nabla_configs[@]}"; do
    run "gpt nabla t$t" "$t" "$bin/nabla_bench_gpt" "${flags[@]}" --threads "$t"
  done
  for c in "${configs[@]}"; do
    read -r t b <<< "$c"
    run "gpt libtorch t$t b$b" "$b" "$bin/torch_bench_gpt" "${flags[@]}" --threads "$t"
    run "gpt pytorch t$t b$b" "$b" "$python" "$py/gpt.py" "${flags[@]}" --threads "$t"
  done
fi

# The main job (workload 13): the README's trainer and the same trainer in PyTorch, 3 epochs
# each (the first is warm-up), interleaved; then the same trainer as one C++ program
# (bench/cpp/trainer.cpp) built against nabla and against LibTorch.
if want trainer; then
  tmp=$(mktemp -d)
  for t in 1 2; do
    run "trainer nabla t$t" 1 "$python" "$root/bench/trainer.py" nabla "$t" 3 \
      "$build/examples/nabla_example_fashion_mnist" --epochs 3 --threads "$t" \
      --checkpoint "$tmp/run.ckpt" --curves "$tmp/curves"
    run "trainer pytorch t$t" 1 "$python" "$root/bench/trainer.py" pytorch "$t" 3 \
      "$python" "$root/scripts/fashion_mnist_torch.py" --model mlp --epochs 3 --threads "$t"
  done
  rm -rf "$tmp"
  for t in "${nabla_configs[@]}"; do
    run "trainer program nabla t$t" "$t" "$bin/nabla_bench_trainer" "${flags[@]}" --threads "$t"
  done
  for c in "${configs[@]}"; do
    read -r t b <<< "$c"
    run "trainer program libtorch t$t b$b" "$b" "$bin/torch_bench_trainer" "${flags[@]}" \
      --threads "$t"
  done
fi

if want build; then
  if ((quick)); then build_reps=(1 1); else build_reps=(5 3); fi
  run "build" 1 "$python" "$root/bench/build_time.py" "$root" "$build" "${build_reps[@]}"
fi

mode=full
((quick)) && mode=quick
"$python" "$root/bench/report.py" "$results" "$output" --mode "$mode" --build-dir "$build"
echo "run.sh: wrote $output (raw lines: $results)"
