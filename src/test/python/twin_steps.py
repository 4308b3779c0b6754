"""Trains, in PyTorch, the network a DL4J test describes, step for step, and writes what it saw.

usage: twin_steps.py CASE_DIR

CASE_DIR holds what the Java test (PyTorchTwinStepTest) wrote:
  case.json              the graph in topological order, the recipe and the conventions to follow
  params/<vertex>.<key>.npy   the starting parameters, in DL4J's layouts
  x.npy, y.npy           a pool of preprocessed images (NCHW) and one-hot labels
  order.npy              [steps, batch] indices into the pool: the batch of every step
  x_eval.npy             a held-out batch for the eval-mode outputs
and gets back:
  losses.npy             the training loss of every step (before its update), float64
  final/<vertex>.<key>.npy    every parameter and batch-norm statistic after the last step, DL4J's layouts
  eval.npy               softmax outputs on x_eval in eval mode (running batch-norm statistics)
  losses_reference.npy   with "reference": {"perturbation": r} in case.json, the losses of the same training in
                         double precision from weights changed by a relative r: how far this network carries
                         differences of rounding size (r = 0 with a float case: how far float rounding goes);
                         its parameters in final_reference/ and its eval outputs in eval_reference.npy

Every operation is written here with PyTorch's own functions; only the layouts of the parameter files follow DL4J.
The conventions the paper's Keras code uses, and DL4J with it, are the default:
  nesterov "keras":      v = mu*v - lr*g; p += mu*v - lr*g (the learning rate is inside the velocity, so a
                         learning-rate change reaches earlier steps' momentum only through v);
                         "pytorch" is torch.optim.SGD(nesterov=True): buf = mu*buf + g; p -= lr*(g + mu*buf)
  running_var "biased":  the running variance averages the batch variance divided by n (DL4J);
                         "unbiased" divides by n - 1 (PyTorch's BatchNorm2d)
The non-negative constraint clips after the update, as Keras's NonNeg and DL4J's constraints do.
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def load_npy(path, dtype):
    return torch.from_numpy(np.load(path).astype(dtype))


class Twin:
    def __init__(self, spec, case_dir, dtype=None, perturbation=0.0):
        self.spec = spec
        self.np_dtype = np.float64 if (dtype or spec["dtype"]) == "double" else np.float32
        self.vertices = spec["vertices"]
        self.params = {}   # trainable: name -> tensor with grad
        self.stats = {}    # batch-norm running mean and variance (not trained by the optimizer)
        for v in self.vertices:
            for key in v.get("params", []):
                t = load_npy(os.path.join(case_dir, "params", f"{v['name']}.{key}.npy"), self.np_dtype)
                if v["kind"] == "batchnorm" and key in ("mean", "var", "log10stdev"):
                    if key == "log10stdev":  # DL4J keeps log10(std) by default; the same running variance
                        t, key = torch.pow(10.0, 2.0 * t), "var"
                    self.stats[(v["name"], key)] = t.reshape(-1).clone()
                else:
                    if perturbation:  # relative, random per entry: how far rounding-sized changes travel
                        t = t * (1 + perturbation * torch.randn(t.shape, dtype=t.dtype))
                    self.params[(v["name"], key)] = t.clone().requires_grad_(True)

    def p(self, v, key):
        return self.params[(v["name"], key)]

    # ---- operations -------------------------------------------------------------------------------------------
    @staticmethod
    def same_padding(size, k, s, d):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        return total // 2, total - total // 2  # TensorFlow's: the extra row/column at the bottom/right

    def pad_for(self, v, x):
        if v["mode"] == "Same":
            kh, kw = v["kernel"]
            sh, sw = v["stride"]
            dh, dw = v.get("dilation", [1, 1])
            top, bottom = self.same_padding(x.shape[2], kh, sh, dh)
            left, right = self.same_padding(x.shape[3], kw, sw, dw)
            return (left, right, top, bottom)
        if v["mode"] == "Truncate":
            ph, pw = v["padding"]
            return (pw, pw, ph, ph)
        raise ValueError(f"convolution mode {v['mode']} not supported by the twin")

    @staticmethod
    def activate(name, x):
        if name == "identity":
            return x
        if name == "relu":
            return F.relu(x)
        if name == "softmax":
            return x  # applied by the loss (training) or by predict (eval)
        raise ValueError(f"activation {name} not supported by the twin")

    def forward(self, x, training):
        out = {}
        for v in self.vertices:
            kind = v["kind"]
            ins = [out[i] for i in v.get("inputs", [])]
            if kind == "input":
                y = x
            elif kind == "conv":
                h = F.pad(ins[0], self.pad_for(v, ins[0]))
                b = self.p(v, "b").reshape(-1) if "b" in v["params"] else None
                y = F.conv2d(h, self.p(v, "W"), b, stride=v["stride"], dilation=v.get("dilation", [1, 1]))
                y = self.activate(v["activation"], y)
            elif kind == "batchnorm":
                y = self.batchnorm(v, ins[0], training)
            elif kind == "activation":
                y = self.activate(v["activation"], ins[0])
            elif kind == "maxpool":
                h = ins[0]
                left, right, top, bottom = self.pad_for(v, h)
                if left or right or top or bottom:
                    h = F.pad(h, (left, right, top, bottom), value=-math.inf)
                y = F.max_pool2d(h, v["kernel"], v["stride"])
            elif kind == "zeropad":
                top, bottom, left, right = v["padding"]
                y = F.pad(ins[0], (left, right, top, bottom))
            elif kind == "add":
                y = ins[0]
                for other in ins[1:]:
                    y = y + other
            elif kind == "gap":
                y = ins[0].mean(dim=(2, 3))
            elif kind == "wise":
                h = ins[0]
                p = v["pool"]
                if p > 1:  # 'valid' pooling: trailing rows and columns that do not fill a window are dropped
                    h = F.avg_pool2d(h, p, p)
                w = self.p(v, "W")
                b = self.p(v, "b").reshape(-1) if "b" in v["params"] else None
                y = F.conv2d(h, w.unsqueeze(1), b, groups=h.shape[1]).flatten(1)
            elif kind == "dense":
                h = ins[0].flatten(1)
                y = h.matmul(self.p(v, "W")) + self.p(v, "b").reshape(1, -1)
                y = self.activate(v["activation"], y)
            else:
                raise ValueError(f"vertex kind {kind} not supported by the twin")
            out[v["name"]] = y
        return out[self.vertices[-1]["name"]]

    def batchnorm(self, v, x, training):
        gamma = self.p(v, "gamma").reshape(1, -1, 1, 1)
        beta = self.p(v, "beta").reshape(1, -1, 1, 1)
        eps = v["eps"]
        mean_key, var_key = (v["name"], "mean"), (v["name"], "var")
        if training:
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            with torch.no_grad():
                n = x.numel() / x.shape[1]
                batch_var = var * n / (n - 1) if self.spec["conventions"]["running_var"] == "unbiased" else var
                d = v["decay"]
                self.stats[mean_key] = d * self.stats[mean_key] + (1 - d) * mean
                self.stats[var_key] = d * self.stats[var_key] + (1 - d) * batch_var
        else:
            mean, var = self.stats[mean_key], self.stats[var_key]
        xhat = (x - mean.reshape(1, -1, 1, 1)) / torch.sqrt(var.reshape(1, -1, 1, 1) + eps)
        return xhat * gamma + beta

    # ---- training ---------------------------------------------------------------------------------------------
    def train(self, x_pool, y_pool, order):
        recipe = self.spec["recipe"]
        mu = recipe["momentum"]
        velocity = {k: torch.zeros_like(t) for k, t in self.params.items()}
        nonneg = [(v["name"], "W") for v in self.vertices if v["kind"] == "wise" and v["nonNegative"]]
        losses = []
        for step, idx in enumerate(order):
            epoch = step // recipe["stepsPerEpoch"]
            lr = recipe["learningRate"] * recipe["decayRate"] ** (epoch // recipe["decayEveryEpochs"])
            x, y = x_pool[idx], y_pool[idx]
            for t in self.params.values():
                t.grad = None
            logits = self.forward(x, training=True)
            loss = F.cross_entropy(logits, y.argmax(1))
            loss.backward()
            losses.append(loss.item())
            with torch.no_grad():
                for k, t in self.params.items():
                    g = t.grad
                    if self.spec["conventions"]["nesterov"] == "keras":
                        velocity[k].mul_(mu).sub_(lr * g)
                        t.add_(mu * velocity[k] - lr * g)
                    else:  # torch.optim.SGD(momentum=mu, nesterov=True), dampening 0
                        velocity[k].mul_(mu).add_(g)
                        t.sub_(lr * (g + mu * velocity[k]))
                for k in nonneg:
                    self.params[k].clamp_(min=0)
        return np.array(losses, dtype=np.float64)

    def write(self, out_dir, x_eval, suffix=""):
        final = "final" + suffix
        os.makedirs(os.path.join(out_dir, final), exist_ok=True)
        for (name, key), t in self.params.items():
            np.save(os.path.join(out_dir, final, f"{name}.{key}.npy"), t.detach().numpy())
        for v in self.vertices:
            if v["kind"] != "batchnorm":
                continue
            for key in v["params"]:
                if key == "mean":
                    value = self.stats[(v["name"], "mean")]
                elif key == "var":
                    value = self.stats[(v["name"], "var")]
                elif key == "log10stdev":
                    value = 0.5 * torch.log10(self.stats[(v["name"], "var")])
                else:
                    continue
                np.save(os.path.join(out_dir, final, f"{v['name']}.{key}.npy"), value.reshape(1, -1).numpy())
        with torch.no_grad():
            probabilities = torch.softmax(self.forward(x_eval, training=False), dim=1)
        np.save(os.path.join(out_dir, f"eval{suffix}.npy"), probabilities.numpy())


def train(spec, case_dir, dtype=None, perturbation=0.0):
    twin = Twin(spec, case_dir, dtype, perturbation)
    x_pool = load_npy(os.path.join(case_dir, "x.npy"), twin.np_dtype)
    y_pool = load_npy(os.path.join(case_dir, "y.npy"), twin.np_dtype)
    order = np.load(os.path.join(case_dir, "order.npy")).astype(np.int64)
    return twin, twin.train(x_pool, y_pool, torch.from_numpy(order))


def main():
    case_dir = sys.argv[1]
    with open(os.path.join(case_dir, "case.json")) as f:
        spec = json.load(f)
    torch.set_num_threads(int(spec.get("threads", 1)))
    torch.manual_seed(0)
    twin, losses = train(spec, case_dir)
    np.save(os.path.join(case_dir, "losses.npy"), losses)
    twin.write(case_dir, load_npy(os.path.join(case_dir, "x_eval.npy"), twin.np_dtype))
    # The reference: the same training in double precision, its starting weights changed by a relative
    # `perturbation` (rounding-sized), to measure how fast this network amplifies differences of that size.
    reference = spec.get("reference")
    if reference:
        ref_twin, ref = train(spec, case_dir, "double", reference["perturbation"])
        np.save(os.path.join(case_dir, "losses_reference.npy"), ref)
        ref_twin.write(case_dir, load_npy(os.path.join(case_dir, "x_eval.npy"), np.float64), "_reference")
    print(f"twin: {len(losses)} steps, loss {losses[0]:.6f} -> {losses[-1]:.6f}, torch {torch.__version__}")


if __name__ == "__main__":
    main()
