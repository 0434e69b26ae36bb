"""Workload 6: the compile time of a program that includes <nabla/nabla.h> or <torch/torch.h>
(compiler CPU time, user + system, so that a busy machine does not distort it; C++17 -O2), and
the size of the libraries: libnabla.a as built, libnabla.so linked from it and stripped (what
a shared build would ship), and Debian's libtorch_cpu.so. Prints the JSON lines of report.py.

Usage: build_time.py ROOT BUILD_DIR NABLA_REPS TORCH_REPS   (stdlib only, /usr/bin/python3)
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

TORCH_INCLUDE = "/usr/include/torch/csrc/api/include"
TORCH_CPU = "/usr/lib/x86_64-linux-gnu/libtorch_cpu.so"


def compile_seconds(cxx, header, flags, tmp):
    src = os.path.join(tmp, "tu.cpp")
    with open(src, "w") as f:
        f.write(f"#include <{header}>\nint main() {{ return 0; }}\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([cxx, "-std=c++17", "-O2", *flags, "-c", src, "-o", src + ".o"], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def emit(case, framework, samples, unit, extra=None):
    s = sorted(samples)
    n = len(s)
    median = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
    line = {"workload": "build", "case": case, "framework": framework, "threads": 1,
            "blas_threads": 0, "ftz": 0, "reps": n, "median": median, "min": s[0],
            "max": s[-1], "samples": s, "unit": unit}
    line.update(extra or {})
    print(json.dumps(line), flush=True)


def shared_from_static(static, tmp):
    """Links the static library into a stripped shared object; None if that fails."""
    so = os.path.join(tmp, "libnabla.so")
    libs = subprocess.run(["pkg-config", "--libs", "openblas"], capture_output=True,
                          text=True).stdout.split()
    cmd = ["c++", "-shared", "-o", so, "-Wl,--whole-archive", static, "-Wl,--no-whole-archive",
           *libs, "-lfmt", "-lz", "-pthread"]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        return None
    subprocess.run(["strip", "--strip-unneeded", so], check=False)
    return so


def main():
    root, build, nabla_reps, torch_reps = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    cxx = os.environ.get("CXX", "c++")
    tmp = tempfile.mkdtemp()
    try:
        nabla = [compile_seconds(cxx, "nabla/nabla.h", ["-I" + os.path.join(root, "include")],
                                 tmp) for _ in range(nabla_reps)]
        emit("#include header (C++17 -O2)", "nabla", nabla, "s")
        if os.path.exists(os.path.join(TORCH_INCLUDE, "torch/torch.h")):
            torch = [compile_seconds(cxx, "torch/torch.h", ["-isystem", TORCH_INCLUDE], tmp)
                     for _ in range(torch_reps)]
            emit("#include header (C++17 -O2)", "libtorch", torch, "s")

        static = os.path.join(build, "libnabla.a")
        if os.path.exists(static):
            emit("library size (libnabla.a, as built)", "nabla",
                 [os.path.getsize(static) / 1e6], "MB")
            so = shared_from_static(static, tmp)
            if so:
                emit("library size (shared, stripped)", "nabla", [os.path.getsize(so) / 1e6],
                     "MB")
        if os.path.exists(TORCH_CPU):
            real = os.path.realpath(TORCH_CPU)
            emit("library size (shared, stripped)", "libtorch", [os.path.getsize(real) / 1e6],
                 "MB", {"file": os.path.basename(real)})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
