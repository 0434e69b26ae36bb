#!/usr/bin/env bash
# Runs the distributed benchmarks on this machine (shared memory, loopback only) and prints
# their tables: allreduce bandwidth on 2 processes, the MLP epoch on 1 process x 2 threads
# against 2 processes x 1 thread, and the share of allreduce time hidden behind backward.
# Usage: bash bench/distributed/run.sh [build dir with -DNABLA_BUILD_BENCH=ON]
set -euo pipefail
build="${1:-build}"
exe="$build/bench/nabla_bench_distributed"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_oob_tcp_if_include=lo
mpi=(mpirun --oversubscribe --allow-run-as-root)
"${mpi[@]}" -np 2 -x OMP_NUM_THREADS=1 "$exe" allreduce
"${mpi[@]}" -np 1 "$exe" mlp 25 2
"${mpi[@]}" -np 2 "$exe" mlp 25 1
"${mpi[@]}" -np 2 "$exe" mlp 0.25 1
