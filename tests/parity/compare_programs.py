"""Runs a LibTorch program built against LibTorch and against nabla (tests/programs) and compares
what they print: the same keys in the same order, numbers within a relative 2e-3 (absolute 1e-4)
and other words equal. Lines starting with "~" are coarse results (after random dropout) and
compared as text.

usage: compare_programs.py TORCH_EXE NABLA_EXE WORK_DIR
"""
import os
import subprocess
import sys


def blas_core_for_this_cpu():
    """The OpenBLAS kernels that suit this CPU's features, or None. OpenBLAS 0.3.21 does not know
    every new core (an Intel Xeon of family 6, model 207 is "Prescott" to it) and then runs its
    SSE3 kernels; LibTorch's convolutions are OpenBLAS products, and on those kernels a GAN's
    losses drift from nabla's by 0.3% within five steps (with the right kernels forced they
    agree to 5 digits). The comparison is of the API, so LibTorch runs on the kernels that the
    CPU's features call for, as it would with a newer OpenBLAS."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split() for line in f if line.startswith("flags")), [])
    except OSError:
        return None
    if "avx512f" in flags:
        return "SkylakeX"
    if "avx2" in flags and "fma" in flags:
        return "Haswell"
    return None


def run(exe, work, env=None):
    os.makedirs(work, exist_ok=True)
    proc = subprocess.run([exe], cwd=work, capture_output=True, text=True, timeout=600, env=env)
    if proc.returncode != 0:
        sys.exit(f"{exe} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.splitlines()


def number(token):
    try:
        return float(token)
    except ValueError:
        return None


def same(a, b):
    if a.startswith("~") or b.startswith("~"):
        return a == b
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb):
        fx, fy = number(x), number(y)
        if fx is None or fy is None:
            if x != y:
                return False
        elif abs(fx - fy) > 1e-4 + 2e-3 * max(abs(fx), abs(fy)):
            return False
    return True


def main():
    torch_exe, nabla_exe, work = sys.argv[1:4]
    torch_env = dict(os.environ)
    core = blas_core_for_this_cpu()
    if core and "OPENBLAS_CORETYPE" not in torch_env:
        torch_env["OPENBLAS_CORETYPE"] = core
    torch_lines = run(torch_exe, os.path.join(work, "libtorch"), torch_env)
    nabla_lines = run(nabla_exe, os.path.join(work, "nabla"))
    bad = 0
    for i in range(max(len(torch_lines), len(nabla_lines))):
        t = torch_lines[i] if i < len(torch_lines) else "(missing)"
        n = nabla_lines[i] if i < len(nabla_lines) else "(missing)"
        if not same(t, n):
            print(f"mismatch:\n  libtorch: {t}\n  nabla:    {n}")
            bad += 1
    if bad:
        sys.exit(f"{bad} of {len(torch_lines)} lines differ between LibTorch and nabla")
    print(f"all {len(torch_lines)} lines agree")


if __name__ == "__main__":
    main()
