"""Runs a LibTorch program built against LibTorch and against nabla (tests/programs) and compares
what they print: the same keys in the same order, numbers within a relative 2e-3 (absolute 1e-4)
and other words equal. Lines starting with "~" are coarse results (after random dropout) and
compared as text.

usage: compare_programs.py TORCH_EXE NABLA_EXE WORK_DIR
"""
import os
import subprocess
import sys


def run(exe, work):
    os.makedirs(work, exist_ok=True)
    proc = subprocess.run([exe], cwd=work, capture_output=True, text=True, timeout=600)
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
    torch_lines = run(torch_exe, os.path.join(work, "libtorch"))
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
