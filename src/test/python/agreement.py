"""Agreement between this library's `compare` and the PyTorch twin (twin_train.py) over seeds.

usage: agreement.py COMPARE_LOG TWIN_LOG [TWIN_LOG ...]

COMPARE_LOG is what `wise-srnet compare --seeds ...` printed (lines "GAP s1 epoch 3: ... top-1 47.12% ...");
TWIN_LOG holds twin_train.py's (or ../shared/tools/pytorch-twin's) "RESULT head seed=... curve=[...]" lines. Prints, per head and metric (test top-1 of
the final epoch, mean of the last 5 epochs, best epoch), each framework's mean and standard deviation over seeds and
the difference between frameworks with its 95% Welch t interval (the seeds are not paired across frameworks), then
the same for the Wise-SrNet minus GAP difference (paired by seed inside each framework).
"""
import math
import re
import sys
from collections import defaultdict

# two-sided 95% quantiles of Student's t by degrees of freedom
T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
        12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000, 10 ** 9: 1.960}


def t975(df):
    keys = sorted(T975)
    for lo, hi in zip(keys, keys[1:]):
        if lo <= df <= hi:  # linear in 1/df between table entries
            w = (1 / df - 1 / lo) / (1 / hi - 1 / lo)
            return T975[lo] + w * (T975[hi] - T975[lo])
    return T975[1]


def mean_sd(xs):
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else float("nan")
    return m, sd


def welch(a, b):
    (ma, sa), (mb, sb) = mean_sd(a), mean_sd(b)
    va, vb = sa ** 2 / len(a), sb ** 2 / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if se > 0 else 1
    half = t975(df) * se
    return ma - mb, ma - mb - half, ma - mb + half, df


def metrics(curve):
    return {"final": curve[-1], "last5": sum(curve[-5:]) / len(curve[-5:]), "best": max(curve)}


def compare_curves(path):
    curves = defaultdict(dict)  # head -> seed -> {epoch: top1}
    pattern = re.compile(r"^(\S+) s(\d+) epoch (\d+): .*test loss \S+ top-1 ([\d.]+)%")
    with open(path) as f:
        for line in f:
            m = pattern.match(line.strip())
            if m:
                head = {"GAP": "gap", "WISE_SRNET": "wise-srnet"}.get(m.group(1), m.group(1).lower())
                curves[head].setdefault(int(m.group(2)), {})[int(m.group(3))] = float(m.group(4))
    return {h: {s: [e[k] for k in sorted(e)] for s, e in seeds.items()} for h, seeds in curves.items()}


def twin_curves(paths):
    curves = defaultdict(dict)
    pattern = re.compile(r"^RESULT (\S+) seed=(\d+) .*curve=\[([^\]]*)\]")
    for path in paths:
        with open(path) as f:
            for line in f:
                m = pattern.match(line.strip())
                if m:  # ../shared/tools/pytorch-twin names the head "wise"
                    head = "wise-srnet" if m.group(1) == "wise" else m.group(1)
                    curves[head][int(m.group(2))] = [float(v) for v in m.group(3).split()]
    return curves


def main():
    dl4j, torch = compare_curves(sys.argv[1]), twin_curves(sys.argv[2:])
    heads = [h for h in ("gap", "wise-srnet") if h in dl4j and h in torch]
    print("| head | metric | DL4J mean ± sd (n) | PyTorch mean ± sd (n) | DL4J - PyTorch [95% Welch interval] |")
    print("|---|---|---|---|---|")
    for head in heads:
        for metric in ("final", "last5", "best"):
            a = [metrics(c)[metric] for c in dl4j[head].values()]
            b = [metrics(c)[metric] for c in torch[head].values()]
            d, lo, hi, _ = welch(a, b)
            print(f"| {head} | {metric} | {mean_sd(a)[0]:.2f} ± {mean_sd(a)[1]:.2f} ({len(a)}) | "
                  f"{mean_sd(b)[0]:.2f} ± {mean_sd(b)[1]:.2f} ({len(b)}) | {d:+.2f} [{lo:+.2f}, {hi:+.2f}] |")
    if len(heads) == 2:
        print()
        print("| metric | Wise-SrNet - GAP, DL4J (paired by seed) | PyTorch | DL4J - PyTorch [95% Welch interval] |")
        print("|---|---|---|---|")
        for metric in ("final", "last5", "best"):
            diffs = []
            for curves in (dl4j, torch):
                seeds = sorted(set(curves["gap"]) & set(curves["wise-srnet"]))
                diffs.append([metrics(curves["wise-srnet"][s])[metric] - metrics(curves["gap"][s])[metric]
                              for s in seeds])
            d, lo, hi, _ = welch(diffs[0], diffs[1])
            (ma, sa), (mb, sb) = mean_sd(diffs[0]), mean_sd(diffs[1])
            print(f"| {metric} | {ma:+.2f} ± {sa:.2f} ({len(diffs[0])}) | {mb:+.2f} ± {sb:.2f} ({len(diffs[1])}) | "
                  f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}] |")


if __name__ == "__main__":
    main()
