"""The project's compare protocol for small-cnn, in PyTorch, for the statistical agreement between frameworks.

usage: twin_train.py DATA_DIR SIZE EPOCHS SEEDS HEADS MAX_PER_CLASS [HEAD_INIT]
       twin_train.py ../shared/datasets/intel-image-classification 48 10 1,2,3,4,5 gap,wise-srnet 400

What `wise-srnet compare --backbone small-cnn` does, written with PyTorch and PIL, with the conventions the
step-for-step test (twin_steps.py) showed DL4J shares with the paper's Keras code:
- data: the first MAX_PER_CLASS files of each class (file-name order) in DATA_DIR/train and DATA_DIR/test, decoded
  by PIL, resized with PIL's BOX filter (area averaging, as OpenCV's INTER_AREA that the library uses to shrink),
  RGB -> BGR minus the ImageNet means (caffe);
- augmentation as the library draws it (Keras's get_random_transform order and ranges): rotation uniform(-360, 360),
  shifts 0.1, zoom 0.2 per axis, flips, channel shift 50, brightness [0, 1.2]; one bilinear affine warp with the
  edge pixels repeated (Keras's fill_mode 'nearest'), then channel shift and brightness, each saturating at 0-255;
- small-cnn: 4 x (conv3x3 'same' no bias -> BatchNorm (decay 0.9, eps 1e-5, biased batch variance in the running
  average) -> ReLU), 2x2 max pooling after the first three; heads GAP -> Dense, or Wise-SrNet (AvgPool p, depthwise
  kernel over the pooled map, bias, W >= 0 after every step) -> Dense; He-normal convs, Normal(0, 0.01) head and
  dense (or W = 1/(kH kW) with HEAD_INIT gap-equivalent);
- SGD with Nesterov momentum 0.9 as Keras writes it (v = mu v - lr g; p += mu v - lr g), lr 0.045 x 0.94 every
  2 epochs, batch 70, a new shuffle every epoch, test top-1 after every epoch.
Prints `RESULT head seed best final last5 secs curve=[...]` per run. TORCH_THREADS sets PyTorch's threads (1).
"""
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

MEANS_BGR = torch.tensor([103.939, 116.779, 123.68]).view(1, 3, 1, 1)


def load(root, split, size, max_per_class, classes=None):
    folder = os.path.join(root, split)
    classes = classes or sorted(os.listdir(folder))
    xs, ys = [], []
    for k, c in enumerate(classes):
        files = sorted(os.listdir(os.path.join(folder, c)))[:max_per_class or None]
        for f in files:
            with Image.open(os.path.join(folder, c, f)) as im:
                im = im.convert("RGB")
                if im.size != (size, size):
                    im = im.resize((size, size), Image.BOX)
                xs.append(np.asarray(im, dtype=np.uint8))
            ys.append(k)
    x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).float()  # RGB, 0-255
    return x, torch.tensor(ys), classes


def caffe(rgb):
    return rgb[:, [2, 1, 0]] - MEANS_BGR


PAPER = dict(rotation=360.0, shift=0.1, zoom=0.2, flips=True, channel=50.0, brightness=(0.0, 1.2))


def draw(rng, size, aug=PAPER):
    """One augmentation draw, in the library's (Keras's) order; a part that is off draws nothing."""
    theta = rng.uniform(-aug["rotation"], aug["rotation"]) if aug["rotation"] else 0.0
    ty = rng.uniform(-aug["shift"], aug["shift"]) * size if aug["shift"] else 0.0
    tx = rng.uniform(-aug["shift"], aug["shift"]) * size if aug["shift"] else 0.0
    zy, zx = 1.0, 1.0
    if aug["zoom"]:
        zy, zx = rng.uniform(1 - aug["zoom"], 1 + aug["zoom"]), rng.uniform(1 - aug["zoom"], 1 + aug["zoom"])
    flip_h = aug["flips"] and rng.random() < 0.5
    flip_v = aug["flips"] and rng.random() < 0.5
    channel = rng.uniform(-aug["channel"], aug["channel"]) if aug["channel"] else 0.0
    low, high = aug["brightness"]
    brightness = low if low == high else rng.uniform(low, high)
    return theta, tx, ty, zx, zy, flip_h, flip_v, channel, brightness


def output_to_source(sample, size):
    """Output pixel (x, y) -> source pixel: flip, zoom about the centre, shift, rotate about the centre."""
    theta, sx, sy, zx, zy, flip_h, flip_v, _, _ = sample
    c = (size - 1) / 2.0
    t = math.radians(theta)
    cos, sin = math.cos(t), math.sin(t)
    fx, fy = (-1 if flip_h else 1), (-1 if flip_v else 1)
    a, b = cos * zx * fx, sin * zy * fy
    d, e = -sin * zx * fx, cos * zy * fy
    tx, ty = cos * sx + sin * sy, -sin * sx + cos * sy
    return a, b, c + tx - (a * c + b * c), d, e, c + ty - (d * c + e * c)


def augment(x, rng, aug=PAPER):
    """Augments RGB 0-255 images [n, 3, size, size] as the library does (see the module's documentation)."""
    n, _, size, _ = x.shape
    theta = torch.empty(n, 2, 3)
    shifts, factors = torch.empty(n), torch.empty(n)
    for i in range(n):
        s = draw(rng, size, aug)
        a, b, c, d, e, f = output_to_source(s, size)
        # grid_sample works in [-1, 1] with align_corners=True: pixel p <-> 2 p / (size - 1) - 1
        k = (size - 1) / 2.0
        theta[i] = torch.tensor([[a, b, a + b + c / k - 1], [d, e, d + e + f / k - 1]])
        shifts[i], factors[i] = s[7], s[8]
    grid = F.affine_grid(theta, list(x.shape), align_corners=True)
    warped = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)
    warped = torch.round(warped).clamp(0, 255)  # OpenCV writes 8-bit pixels after the warp
    shifted = torch.round(warped + shifts.view(-1, 1, 1, 1)).clamp(0, 255)
    return torch.round(shifted * factors.view(-1, 1, 1, 1)).clamp(0, 255)


class BatchNorm(nn.Module):
    """DL4J's (and the paper's Keras code's) running average: decay 0.9 and the biased batch variance."""

    def __init__(self, c, decay=0.9, eps=1e-5):
        super().__init__()
        self.gamma, self.beta = nn.Parameter(torch.ones(c)), nn.Parameter(torch.zeros(c))
        self.register_buffer("mean", torch.zeros(c))
        self.register_buffer("var", torch.ones(c))
        self.decay, self.eps = decay, eps

    def forward(self, x):
        if not self.training:
            return F.batch_norm(x, self.mean, self.var, self.gamma, self.beta, False, 0.0, self.eps)
        # PyTorch's fused op normalizes with the biased batch variance but averages the unbiased one into the running
        # variance; the correction below makes that the biased one (per channel, exact up to rounding).
        running_var = self.var.clone()  # updated by the op; autograd keeps it, so it is not changed afterwards
        out = F.batch_norm(x, self.mean, running_var, self.gamma, self.beta, True, 1 - self.decay, self.eps)
        n = x.numel() // x.shape[1]
        with torch.no_grad():
            added = running_var - self.decay * self.var
            self.var.copy_(self.decay * self.var + added * (n - 1) / n)
        return out


class SmallCnn(nn.Module):
    def __init__(self, head, size, classes, head_init):
        super().__init__()
        layers, c = [], 3
        for i, f in enumerate([32, 64, 128, 128]):
            conv = nn.Conv2d(c, f, 3, padding=1, bias=False)
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")  # N(0, 2 / fan-in), DL4J's WeightInit.RELU
            layers += [conv, BatchNorm(f), nn.ReLU()]
            if i < 3:
                layers.append(nn.MaxPool2d(2))
            c = f
        self.features = nn.Sequential(*layers)
        self.head = head
        m = size // 8
        if head == "wise-srnet":
            self.p = 2 if m <= 10 else 3  # the paper's choice (WiseSrLayer.paperPoolSize)
            k = (m - self.p) // self.p + 1
            self.w = nn.Parameter(torch.randn(c, 1, k, k) * 0.01)
            if head_init == "gap-equivalent":
                self.w.data.fill_(1.0 / (k * k))
            self.b = nn.Parameter(torch.zeros(c))
        self.fc = nn.Linear(c, classes)
        nn.init.normal_(self.fc.weight, 0, 0.01)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        x = self.features(x)
        if self.head == "gap":
            x = x.mean((2, 3))
        else:
            x = F.conv2d(F.avg_pool2d(x, self.p, self.p), self.w, self.b, groups=x.shape[1]).flatten(1)
        return self.fc(x)


def train_epoch(net, xtr, ytr, rng, seed, epoch, params, rate_of, velocity, mu=0.9):
    """One epoch of batches of 70 in a seeded order, augmented; Keras's Nesterov step on `params`, each at
    rate_of(p); velocities kept in `velocity` (created at zero); W >= 0 after every step for a Wise-SrNet head."""
    perm = torch.randperm(len(ytr), generator=torch.Generator().manual_seed(seed * 1000 + epoch))
    for s in range(0, len(perm), 70):
        idx = perm[s:s + 70]
        loss = F.cross_entropy(net(caffe(augment(xtr[idx], rng))), ytr[idx])
        net.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in params:
                rate = rate_of(p)
                v = velocity.setdefault(p, torch.zeros_like(p))
                v.mul_(mu).sub_(rate * p.grad)
                p.add_(mu * v - rate * p.grad)
            if net.head == "wise-srnet":
                net.w.clamp_(min=0)


def run(data, size, epochs, seed, head, head_init):
    xtr, ytr, xte, yte, classes = data
    torch.manual_seed(seed)
    rng = random.Random(seed)
    net = SmallCnn(head, size, len(classes), head_init)
    velocity = {p: torch.zeros_like(p) for p in net.parameters()}
    curve, t0 = [], time.time()
    for epoch in range(epochs):
        lr = 0.045 * 0.94 ** (epoch // 2)
        net.train()
        train_epoch(net, xtr, ytr, rng, seed, epoch, list(net.parameters()), lambda p: lr, velocity)
        net.eval()
        correct = 0
        with torch.no_grad():
            for s in range(0, len(yte), 256):
                correct += (net(caffe(xte[s:s + 256])).argmax(1) == yte[s:s + 256]).sum().item()
        curve.append(100.0 * correct / len(yte))
        print(f"EPOCH {head} seed={seed} epoch={epoch + 1} top1={curve[-1]:.2f} secs={time.time() - t0:.0f}",
              flush=True)
    last5 = sum(curve[-5:]) / len(curve[-5:])
    print(f"RESULT {head} seed={seed} best={max(curve):.2f} final={curve[-1]:.2f} last5={last5:.2f} "
          f"secs={time.time() - t0:.0f} curve=[{' '.join(f'{a:.2f}' for a in curve)}]", flush=True)


def main():
    root, size, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seeds = [int(s) for s in sys.argv[4].split(",")]
    heads = sys.argv[5].split(",")
    max_per_class = int(sys.argv[6])
    head_init = sys.argv[7] if len(sys.argv) > 7 else "paper"
    torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
    xtr, ytr, classes = load(root, "train", size, max_per_class)
    xte, yte, _ = load(root, "test", size, max_per_class, classes)
    print(f"DATA {root} train={len(ytr)} test={len(yte)} classes={len(classes)} size={size} epochs={epochs} "
          f"head-init={head_init} torch={torch.__version__}", flush=True)
    for seed in seeds:
        for head in heads:
            run((xtr, ytr, xte, yte, classes), size, epochs, seed, head, head_init)


if __name__ == "__main__":
    main()
