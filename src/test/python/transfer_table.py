"""Tables of the transfer study (docs/studies.md): the library's fine-tuning runs next to twin_transfer.py's.

usage: transfer_table.py TWIN_LOG COMPARE_LOG_PAPER COMPARE_LOG_GAP_EQUIVALENT

COMPARE_LOG_PAPER is what `wise-srnet compare --init-from ... --heads gap,wise-srnet --seeds ...` printed,
COMPARE_LOG_GAP_EQUIVALENT the same with `--heads wise-srnet --head-init gap-equivalent` (runs are deterministic per
seed, so GAP pairs with both by seed). TWIN_LOG holds twin_transfer.py's RESULT lines. Prints Markdown: per framework
and head the mean and sd over seeds of the test top-1 at the best validation epoch (earliest on ties), of the final
epoch and of the mean of the last 5 epochs; each head minus GAP paired by seed with a 95% t interval; and the
library minus PyTorch per head with a 95% Welch interval (seeds are not paired across frameworks).
"""
import re
import sys
from collections import defaultdict

from agreement import mean_sd, t975, welch

HEADS = ["gap", "wise-srnet", "wise-srnet:gap-equivalent"]
NAMES = {"gap": "GAP", "wise-srnet": "Wise-SrNet, paper init",
         "wise-srnet:gap-equivalent": "Wise-SrNet, GAP-equivalent init"}


def metrics(test, val):
    best = max(range(len(val)), key=lambda i: (val[i], -i))
    return {"val-best": test[best], "final": test[-1], "last 5": sum(test[-5:]) / len(test[-5:])}


def library_runs(path, wise_name):
    runs = defaultdict(dict)  # head -> seed -> epoch -> (val, test)
    pattern = re.compile(r"^(\S+) s(\d+) epoch (\d+): .*\| val loss \S+ top-1 ([\d.]+)% "
                         r"\| test loss \S+ top-1 ([\d.]+)%")
    with open(path) as f:
        for line in f:
            m = pattern.match(line.strip())
            if m:
                head = "gap" if m.group(1) == "GAP" else wise_name
                runs[head].setdefault(int(m.group(2)), {})[int(m.group(3))] = (float(m.group(4)), float(m.group(5)))
    out = {}
    for head, seeds in runs.items():
        out[head] = {}
        for seed, epochs in seeds.items():
            order = sorted(epochs)
            out[head][seed] = metrics([epochs[e][1] for e in order], [epochs[e][0] for e in order])
    return out


def twin_runs(path):
    out = defaultdict(dict)
    pattern = re.compile(r"^RESULT (\S+) seed=(\d+) .*curve=\[([^\]]*)\] val=\[([^\]]*)\]")
    with open(path) as f:
        for line in f:
            m = pattern.match(line.strip())
            if m:
                test = [float(v) for v in m.group(3).split()]
                val = [float(v) for v in m.group(4).split()]
                out[m.group(1)][int(m.group(2))] = metrics(test, val)
    return out


def fmt(m, sd):
    return f"{m:.2f} ± {sd:.2f}"


def main():
    twin = twin_runs(sys.argv[1])
    library = library_runs(sys.argv[2], "wise-srnet")
    for head, seeds in library_runs(sys.argv[3], "wise-srnet:gap-equivalent").items():
        if head != "gap":
            library[head] = seeds
    frameworks = [("DL4J (this library)", library), ("PyTorch (twin)", twin)]
    keys = ["val-best", "final", "last 5"]

    print("| head | framework | seeds | " + " | ".join(keys) + " |")
    print("|---|---|---|" + "---|" * len(keys))
    for head in HEADS:
        for name, runs in frameworks:
            seeds = runs.get(head, {})
            if seeds:
                cells = [fmt(*mean_sd([seeds[s][k] for s in sorted(seeds)])) for k in keys]
                print(f"| {NAMES[head]} | {name} | {len(seeds)} | " + " | ".join(cells) + " |")

    print("\nHead minus GAP, paired by seed: mean [95% t interval] (per seed)\n")
    print("| head | framework | " + " | ".join(keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for head in HEADS[1:]:
        for name, runs in frameworks:
            seeds = sorted(set(runs.get(head, {})) & set(runs.get("gap", {})))
            if not seeds:
                continue
            cells = []
            for k in keys:
                d = [runs[head][s][k] - runs["gap"][s][k] for s in seeds]
                m, sd = mean_sd(d)
                half = t975(len(d) - 1) * sd / len(d) ** 0.5
                per = " / ".join(f"{x:+.2f}" for x in d)
                cells.append(f"{m:+.2f} [{m - half:+.2f}, {m + half:+.2f}] ({per})")
            print(f"| {NAMES[head]} | {name} | " + " | ".join(cells) + " |")

    print("\nDL4J minus PyTorch per head: difference [95% Welch interval]\n")
    print("| head | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    for head in HEADS:
        if head in library and head in twin:
            cells = []
            for k in keys:
                d, lo, hi, _ = welch([library[head][s][k] for s in library[head]],
                                     [twin[head][s][k] for s in twin[head]])
                cells.append(f"{d:+.2f} [{lo:+.2f}, {hi:+.2f}]")
            print(f"| {NAMES[head]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
