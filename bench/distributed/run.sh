#!/usr/bin/env bash
# Runs the distributed benchmarks on this machine (shared memory, loopback only) and prints
# their tables: allreduce bandwidth on 2 processes, the MLP epoch and the first CNN_STEPS
# steps of the CNN epoch on 1 process x 2 threads against 2 processes x 1 thread, and the share
# of allreduce time hidden behind backward (default and 0.25 MB buckets).
# Usage: bash bench/distributed/run.sh [build dir with -DNABLA_BUILD_BENCH=ON]
#   CNN_STEPS=937 bash bench/distributed/run.sh    # the CNN's whole epoch (default 150 steps,
#                                                  # to keep the run within about 3 minutes)
set -euo pipefail
build="${1:-build}"
exe="$build/bench/nabla_bench_distributed"
cnn_steps="${CNN_STEPS:-150}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,vader
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_oob_tcp_if_include=lo
mpi=(mpirun --oversubscribe --allow-run-as-root)
"${mpi[@]}" -np 2 -x OMP_NUM_THREADS=1 "$exe" allreduce
for model in mlp cnn; do
  steps=0
  [ "$model" = cnn ] && steps="$cnn_steps"
  # Open MPI binds a lone process to one core: both threads would share it.
  "${mpi[@]}" -np 1 --bind-to none "$exe" "$model" 25 2 "$steps"
  "${mpi[@]}" -np 2 "$exe" "$model" 25 1 "$steps"
  "${mpi[@]}" -np 2 "$exe" "$model" 0.25 1 "$steps"
  # The same with nabla's MPI progress thread forced on and off (by default it is on only
  # where a core is spare, so off here with 2 ranks x 1 thread on 2 cores).
  for progress in 1 0; do
    echo "(NABLA_MPI_PROGRESS_THREAD=$progress)"
    "${mpi[@]}" -np 2 -x NABLA_MPI_PROGRESS_THREAD=$progress "$exe" "$model" 0.25 1 "$steps"
  done
done
