"""The project's fine-tuning protocol for small-cnn, in PyTorch: the PyTorch side of the transfer study.

usage: twin_transfer.py SOURCE SIZE1 MAX1 EPOCHS1 TARGET SIZE2 MAX2 EPOCHS2 FROZEN SEEDS HEADS LR BACKBONE_FACTOR
       twin_transfer.py ../shared/datasets/intel-image-classification 32 400 10 \
                        ../shared/datasets/caltech-101 64 20 6 2 1,2,3 \
                        gap,wise-srnet,wise-srnet:gap-equivalent 0.045 0.1

What `wise-srnet train --head gap` on SOURCE, then `wise-srnet compare --init-from ... --frozen-epochs FROZEN` on
TARGET do, with twin_train.py's data, augmentation, network and optimizer (checked against the library step for
step and over seeds, docs/fidelity.md):
- pretraining: small-cnn with the GAP head on SOURCE at SIZE1 (MAX1 images per class), the paper's recipe
  (lr 0.045 x 0.94 every 2 epochs, batch 70), seed 1; its feature layers, batch-norm statistics included, are the
  backbone of every fine-tuning run;
- fine-tuning: per seed and head, that backbone at SIZE2 (at twice SIZE1 the map is twice as large) with a new head,
  on TARGET (MAX2 images per class, 10% of each class's training images held out for validation), the head at lr LR
  and the backbone at LR x BACKBONE_FACTOR, each with the same schedule counted from the first fine-tuning epoch.
  The first FROZEN epochs train the head only: the backbone's parameters are not updated and its batch-norm layers
  run in inference mode (Keras's trainable = False); then every layer trains and the optimizer starts afresh (Keras
  recompiles), as the library does.
Prints `EPOCH` lines and `RESULT head seed valbest final last5 secs curve=[test] val=[validation]`; valbest is the
test top-1 of the epoch with the best validation top-1 (earliest on ties). TORCH_THREADS sets threads (1).
"""
import math
import os
import random
import sys
import time

import torch

from twin_train import SmallCnn, caffe, load, train_epoch


def hold_out(x, y, fraction, seed=1):
    """The library's rule per class: round(n * fraction), at least 1 and at most n - 1; drawn with `seed`."""
    val = []
    for k in sorted(set(y.tolist())):
        idx = (y == k).nonzero().flatten().tolist()
        n = len(idx)
        m = 0 if n < 2 else max(1, min(n - 1, math.floor(n * fraction + 0.5)))  # Java's Math.round
        val += random.Random(seed * 7919 + k).sample(idx, m)
    mask = torch.zeros(len(y), dtype=torch.bool)
    mask[val] = True
    return x[~mask], y[~mask], x[mask], y[mask]


def top1(net, x, y):
    net.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(y), 256):
            correct += (net(caffe(x[s:s + 256])).argmax(1) == y[s:s + 256]).sum().item()
    return 100.0 * correct / len(y)


def train(net, xtr, ytr, evals, epochs, seed, lr0, frozen, tag, backbone_factor=1.0):
    """SGD with Keras's Nesterov form; the first `frozen` epochs update the head only, backbone in inference mode."""
    rng = random.Random(seed)
    curves = [[] for _ in evals]
    velocity = {}
    t0 = time.time()
    for epoch in range(epochs):
        is_frozen = epoch < frozen
        if epoch == frozen:
            velocity = {}  # the library rebuilds the network when it unfreezes: no updater state carries over
        for p in net.features.parameters():
            p.requires_grad_(not is_frozen)
        backbone = set(net.features.parameters())
        params = [p for p in net.parameters() if p.requires_grad]
        lr = lr0 * 0.94 ** (epoch // 2)
        net.train()
        if is_frozen:
            net.features.eval()
        train_epoch(net, xtr, ytr, rng, seed, epoch, params,
                    lambda p: lr * backbone_factor if p in backbone else lr, velocity)
        for curve, (x, y) in zip(curves, evals):
            curve.append(top1(net, x, y))
        print(f"EPOCH {tag} epoch={epoch + 1}{' frozen' if is_frozen else ''} "
              + " ".join(f"{c[-1]:.2f}" for c in curves) + f" secs={time.time() - t0:.0f}", flush=True)
    return curves, time.time() - t0


def main():
    a = sys.argv
    source, size1, max1, epochs1 = a[1], int(a[2]), int(a[3]), int(a[4])
    target, size2, max2, epochs2, frozen = a[5], int(a[6]), int(a[7]), int(a[8]), int(a[9])
    seeds = [int(s) for s in a[10].split(",")]
    heads = a[11].split(",")
    lr, backbone_factor = float(a[12]), float(a[13])
    val_fraction = 0.1
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))

    xs, ys, cs = load(source, "train", size1, max1)
    xst, yst, _ = load(source, "test", size1, max1, cs)
    print(f"SOURCE {source} train={len(ys)} test={len(yst)} classes={len(cs)} size={size1} epochs={epochs1}",
          flush=True)
    torch.manual_seed(1)
    pre = SmallCnn("gap", size1, len(cs), "paper")
    (curve,), secs = train(pre, xs, ys, [(xst, yst)], epochs1, 1, 0.045, 0, "pretrain")
    print(f"PRETRAIN final={curve[-1]:.2f} best={max(curve):.2f} secs={secs:.0f}", flush=True)
    del xs, ys, xst, yst

    x, y, ct = load(target, "train", size2, max2)
    xte, yte, _ = load(target, "test", size2, max2, ct)
    xtr, ytr, xva, yva = hold_out(x, y, val_fraction)
    print(f"TARGET {target} train={len(ytr)} val={len(yva)} test={len(yte)} classes={len(ct)} size={size2} "
          f"epochs={epochs2} frozen={frozen} lr={lr} backbone-factor={backbone_factor} torch={torch.__version__}",
          flush=True)
    for seed in seeds:
        for spec in heads:
            head, _, init = spec.partition(":")
            torch.manual_seed(seed)
            net = SmallCnn(head, size2, len(ct), init or "paper")
            net.features.load_state_dict(pre.features.state_dict())
            (test, val), secs = train(net, xtr, ytr, [(xte, yte), (xva, yva)], epochs2, seed, lr, frozen,
                                      f"{spec}-s{seed}", backbone_factor)
            best = max(range(len(val)), key=lambda i: (val[i], -i))
            last5 = sum(test[-5:]) / len(test[-5:])
            print(f"RESULT {spec} seed={seed} valbest={test[best]:.2f} final={test[-1]:.2f} last5={last5:.2f} "
                  f"secs={secs:.0f} curve=[{' '.join(f'{v:.2f}' for v in test)}] "
                  f"val=[{' '.join(f'{v:.2f}' for v in val)}]", flush=True)


if __name__ == "__main__":
    main()
