"""PyTorch side of PyTorchSideBySideBenchmark: torchvision's ResNet50 with the GAP head or a Wise-SrNet head.

Reads commands on stdin, one per line, and answers each with one line:
  setup HEAD BATCH SIZE THREADS  -> "ready PARAMETERS"   (HEAD: gap or wise-srnet)
  train                          -> "ms MILLISECONDS"    one SGD (Nesterov momentum 0.9) step on a fixed batch
  infer                          -> "ms MILLISECONDS"    one forward pass in eval mode, no gradients
  quit
"""
import sys
import time

import torch
import torch.nn as nn
import torchvision


class WiseSrHead(nn.Module):
    """AvgPool(p, stride p, 'valid') -> depthwise kernel over the whole pooled map (W >= 0) -> flatten."""

    def __init__(self, channels, height, width):
        super().__init__()
        self.p = 2 if max(height, width) <= 10 else 3
        kh, kw = height // self.p, width // self.p
        self.pool = nn.AvgPool2d(self.p, self.p)
        self.depthwise = nn.Conv2d(channels, channels, (kh, kw), groups=channels)
        nn.init.normal_(self.depthwise.weight, 0.0, 0.01)
        nn.init.zeros_(self.depthwise.bias)

    def forward(self, x):
        return torch.flatten(self.depthwise(self.pool(x)), 1)

    def constrain(self):
        with torch.no_grad():
            self.depthwise.weight.clamp_(min=0)


def build(head, size, classes=6):
    net = torchvision.models.resnet50(num_classes=classes)
    if head == "wise-srnet":
        side = (size + 31) // 32
        net.avgpool = WiseSrHead(2048, side, side)
    return net


def main():
    net = opt = x = y = None
    loss_fn = nn.CrossEntropyLoss()
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        command = parts[0]
        if command == "setup":
            head, batch, size, threads = parts[1], int(parts[2]), int(parts[3]), int(parts[4])
            torch.set_num_threads(threads)
            torch.manual_seed(1)
            net = build(head, size)
            opt = torch.optim.SGD(net.parameters(), lr=0.045, momentum=0.9, nesterov=True)
            x = torch.rand(batch, 3, size, size) * 255 - 120
            y = torch.arange(batch) % 6
            print("ready", sum(p.numel() for p in net.parameters()), flush=True)
        elif command == "train":
            net.train()
            start = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            opt.step()
            if isinstance(net.avgpool, WiseSrHead):
                net.avgpool.constrain()
            print("ms", (time.perf_counter() - start) * 1000, flush=True)
        elif command == "infer":
            net.eval()
            start = time.perf_counter()
            with torch.no_grad():
                net(x)
            print("ms", (time.perf_counter() - start) * 1000, flush=True)
        elif command == "quit":
            return
        else:
            print("error unknown command", command, flush=True)


if __name__ == "__main__":
    main()
