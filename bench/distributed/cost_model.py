"""The ring-allreduce cost model of docs/distributed.md for nabla's own workloads.

T(p) = 2 (p - 1) / p * S / B + 2 (p - 1) * alpha: the time to allreduce S bytes of float32
gradients over p processes, with link bandwidth B and per-step latency alpha. Under weak scaling
(per-process batch fixed) the compute per step t_c stays the same, and the efficiency is
t_c / (t_c + T) without overlap, t_c / (t_c + max(0, T - t_b)) when the allreduce hides behind
backward (t_b, about 2/3 of t_c).

    /usr/bin/python3 bench/distributed/cost_model.py --ms mlp=0.47 cnn=17 lstm=50 gpt=900

--ms gives each workload's measured compute time per step on one process (bench/distributed/
run.sh and the trainers print them); the parameter counts are the models' own.
"""
import argparse

# name: (description, parameters) of the models nabla trains (examples/, bench/distributed).
WORKLOADS = {
    "mlp": ("MLP 784-256-128-10 (fashion_mnist, batch 64)", 235_146),
    "cnn": ("CNN conv 32-64 + fc 1600-128-10 (fashion_mnist --model cnn, batch 64)", 225_034),
    "lstm": ("char-LM LSTM 64-256 (char_lm, 32 x 64 chars)", 366_322),
    "gpt": ("char GPT 4 x 128 (char_gpt, 32 x 128 chars)", 838_912),
}
PROCESSES = (8, 64, 512)
GBITS = (10, 25, 100)
ALPHA_S = 20e-6  # one ring step over TCP on Ethernet


def allreduce_seconds(nbytes, p, gbits):
    return 2 * (p - 1) / p * nbytes / (gbits * 1e9 / 8) + 2 * (p - 1) * ALPHA_S


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ms", nargs="+", required=True, help="name=milliseconds per step")
    args = ap.parse_args()
    step_ms = {k: float(v) for k, v in (a.split("=") for a in args.ms)}
    head = ["workload", "params", "MB/step", "t_c"]
    head += [f"p={p} {g}Gb/s" for p in PROCESSES for g in GBITS]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, (what, params) in WORKLOADS.items():
        if name not in step_ms:
            continue
        tc = step_ms[name] / 1e3
        nbytes = 4 * params
        row = [what, f"{params / 1e6:.2f} M", f"{nbytes / 1e6:.2f}", f"{tc * 1e3:.1f} ms"]
        for p in PROCESSES:
            for g in GBITS:
                t = allreduce_seconds(nbytes, p, g)
                hidden = tc / (tc + max(0.0, t - 2 * tc / 3))
                row.append(f"{100 * tc / (tc + t):.0f}% / {100 * hidden:.0f}% ({t * 1e3:.1f} ms)")
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
