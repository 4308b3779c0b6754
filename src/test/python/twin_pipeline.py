"""The data pipeline in PIL and PyTorch, for comparison with the library's (OpenCV through DataVec's JavaCV).

usage: twin_pipeline.py CASE_DIR

case.json: {"root": test folder (class folders), "augmentRoot": training folder, "perClass": N, "size": S, "native": 150,
            "augmentations": {name: {rotation, shift, zoom, flips, channel, brightness}}, "repeats": R, "seed": 1}
Writes, for the first N files of each class (file-name order, as the library lists them), all caffe-preprocessed:
  native.npy          decoded by PIL at the files' own size (NATIVE x NATIVE; other sizes are left at 0 and
                      listed in native_mask.npy as 0)
  resized_<F>.npy     resized to S x S by PIL's filter F (BOX, BILINEAR, BICUBIC, NEAREST, LANCZOS)
  aug_<name>.npy      [R * images, 2]: the mean and standard deviation of each augmented image of augmentRoot's
                      first N per class (BOX-resized),
                      augmented as the library does (twin_train.augment: one bilinear warp, edges repeated)
  aug_<name>_fill0.npy  the same with torchvision's affine as the small-cnn twin in ../shared uses it (edges filled
                      with 0), for the geometric transforms
"""
import json
import os
import random
import sys

import numpy as np
import torch
import torchvision.transforms.functional as TF
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from twin_train import augment, caffe, draw  # noqa: E402

FILTERS = {"BOX": Image.BOX, "BILINEAR": Image.BILINEAR, "BICUBIC": Image.BICUBIC, "NEAREST": Image.NEAREST,
           "LANCZOS": Image.LANCZOS}


def files(root, per_class):
    out = []
    for c in sorted(os.listdir(root)):
        out += [os.path.join(root, c, f) for f in sorted(os.listdir(os.path.join(root, c)))[:per_class]]
    return out


def to_tensor(images):
    return torch.from_numpy(np.stack([np.asarray(im, dtype=np.uint8) for im in images])).permute(0, 3, 1, 2).float()


def fill0(x, rng, aug):
    """torchvision's affine per image (the ../shared twin's way: nearest-free bilinear, corners filled with 0)."""
    out = torch.empty_like(x)
    size = x.shape[2]
    for i in range(x.shape[0]):
        theta, tx, ty, zx, zy, flip_h, flip_v, channel, brightness = draw(rng, size, aug)
        im = x[i]
        if flip_h:
            im = im.flip(2)
        if flip_v:
            im = im.flip(1)
        im = TF.affine(im, angle=theta, translate=[int(round(tx)), int(round(ty))], scale=1.0 / np.sqrt(zx * zy),
                       shear=[0.0], interpolation=TF.InterpolationMode.BILINEAR)
        out[i] = ((im + channel).clamp(0, 255) * brightness).clamp(0, 255)
    return out


def stats(x):
    flat = caffe(x).flatten(1)
    return torch.stack([flat.mean(1), flat.std(1)], 1).numpy().astype(np.float64)


def main():
    case_dir = sys.argv[1]
    with open(os.path.join(case_dir, "case.json")) as f:
        spec = json.load(f)
    torch.set_num_threads(1)
    paths = files(spec["root"], spec["perClass"])
    images = [Image.open(p).convert("RGB") for p in paths]
    native = spec["native"]
    mask = np.array([im.size == (native, native) for im in images], dtype=np.float64)
    full = to_tensor([im if im.size == (native, native) else Image.new("RGB", (native, native)) for im in images])
    np.save(os.path.join(case_dir, "native.npy"), caffe(full).numpy())
    np.save(os.path.join(case_dir, "native_mask.npy"), mask)
    size = spec["size"]
    for name, flt in FILTERS.items():
        resized = to_tensor([im.resize((size, size), flt) for im in images])
        np.save(os.path.join(case_dir, f"resized_{name}.npy"), caffe(resized).numpy())
    train = [Image.open(p).convert("RGB") for p in files(spec["augmentRoot"], spec["perClass"])]
    base = to_tensor([im.resize((size, size), Image.BOX) for im in train])
    for name, aug in spec["augmentations"].items():
        aug = dict(aug, brightness=tuple(aug["brightness"]))
        rng = random.Random(spec["seed"])
        samples = [stats(augment(base, rng, aug)) for _ in range(spec["repeats"])]
        np.save(os.path.join(case_dir, f"aug_{name}.npy"), np.concatenate(samples))
        if aug["rotation"] or aug["shift"] or aug["zoom"]:
            rng = random.Random(spec["seed"])
            samples = [stats(fill0(base, rng, aug)) for _ in range(spec["repeats"])]
            np.save(os.path.join(case_dir, f"aug_{name}_fill0.npy"), np.concatenate(samples))
    print(f"pipeline twin: {len(paths)} images, torch {torch.__version__}")


if __name__ == "__main__":
    main()
