"""Workload 13, the main job: the README's trainer (examples/fashion_mnist.cpp, MLP 784-256-128-10,
Adam 1e-3, batch 64, a DataLoader, evaluation on the 10k test images every epoch) and the same
trainer in PyTorch (scripts/fashion_mnist_torch.py --model mlp), each run as a user runs it.

Usage: trainer.py FRAMEWORK THREADS EPOCHS COMMAND...

Runs COMMAND, reads its per-epoch lines ("epoch N ... test acc A% time Ss") and prints one JSON
line in bench/report.py's format: seconds per epoch (training and evaluation, the first epoch
left out as warm-up), the final test accuracy and the process's peak RSS.
"""
import json
import re
import resource
import subprocess
import sys

EPOCH = re.compile(r"^epoch (\d+) .*test acc ([\d.]+)%\s+time ([\d.]+)s")


def main():
    framework, threads, epochs, command = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        sys.argv[4:]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    epochs_seen = [(int(m[1]), float(m[2]), float(m[3]))
                   for m in (EPOCH.match(line) for line in out.splitlines()) if m]
    if len(epochs_seen) != epochs:
        sys.exit(f"trainer.py: expected {epochs} epoch lines from {command[0]}, got "
                 f"{len(epochs_seen)}:\n{out[-2000:]}")
    samples = [secs for _, _, secs in epochs_seen[1:]] or [epochs_seen[0][2]]
    s = sorted(samples)
    median = s[len(s) // 2] if len(s) % 2 else 0.5 * (s[len(s) // 2 - 1] + s[len(s) // 2])
    print(json.dumps({
        "workload": "trainer", "case": "epoch", "framework": framework, "threads": threads,
        "blas_threads": 1, "ftz": 1 if framework == "nabla" else 0, "reps": len(samples),
        "median": median, "min": s[0], "max": s[-1], "samples": samples,
        "accuracy": epochs_seen[-1][1] / 100,
        "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }), flush=True)


if __name__ == "__main__":
    main()
