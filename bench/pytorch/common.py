"""Shared by the PyTorch benchmarks: the same command line, timing, JSON lines, IDX reader and
shuffle as bench/cpp/util.h, so that the three frameworks are measured the same way."""
import argparse
import gzip
import json
import os
import resource
import time

import torch

MASK = (1 << 64) - 1


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--ftz", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--epochs", type=int, default=0)
    p.add_argument("--order", type=int, default=0)  # the MLP's order of samples (see mlp.py)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", default="")
    a = p.parse_args()
    torch.set_flush_denormal(bool(a.ftz))
    torch.set_num_threads(a.threads)
    return a


def time_reps(reps, inner, fn):
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        out.append((time.perf_counter() - t0) / inner)
    return out


def calls_for(seconds_per_call, target):
    return max(1, int(target / max(seconds_per_call, 1e-9)))


def measure(a, target, fn):
    """Warms up once, then sizes each repetition to about `target` seconds."""
    fn()
    once = time_reps(1, 1, fn)[0]
    return time_reps(a.reps, calls_for(once, target), fn)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(workload, case, a, samples, work_unit=None, work=0.0, extra=None):
    s = sorted(samples)
    n = len(s)
    median = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
    line = {"workload": workload, "case": case, "framework": "pytorch", "threads": a.threads,
            "blas_threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0")), "ftz": a.ftz,
            "reps": n, "median": median, "min": s[0], "max": s[-1], "samples": s}
    if work_unit:
        line[work_unit] = work
    line.update(extra or {})
    line.setdefault("rss_mb", round(peak_rss_mb(), 1))  # the process's peak RSS so far
    print(json.dumps(line), flush=True)


def read_idx_gz(path, header):
    with gzip.open(path, "rb") as f:
        return f.read()[header:]


def splitmix64(state):
    """Returns (new state, value), as bench::splitmix64 in bench/cpp/util.h."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def uniform(state, bound):
    """Returns (new state, value), as bench::uniform."""
    state, v = splitmix64(state)
    return state, (2 * ((v >> 40) / 16777216.0) - 1) * bound


def permutation(n, seed):
    p = list(range(n))
    state = seed
    for i in range(n - 1, 0, -1):
        state, v = splitmix64(state)
        j = v % (i + 1)
        p[i], p[j] = p[j], p[i]
    return p
