#!/usr/bin/env python3
"""The PyTorch side of `npm run bench:quality`: one of the app's digit GANs
trained by torch_gan.py's reference step (same layers, loss, Adam settings
and batch) on the same training digits the app uses, and judged as the app
judges it: the shipped MNIST classifier (its weights read from
public/data/mnist/classifier.bin) rates 1,000 digits from fixed noise for
the Inception Score, the digits drawn (a digit counts at >= 5% of them) and
the FID against the training digits' features.

Prints one JSON line per measurement: {"step", "IS", "classes", "FID"}.

Usage: torch_gan_quality.py --model article-tuned --seed 1 --at 1000,2000,5000
       --train train-indices.json [--class-share 0.05] [--threads 1]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from torch_gan import PRESETS, ROOT, build, load_mnist, trainer

SAMPLES = 1000


def load_classifier():
    """The app's classifier (src/core/gan/classifier.ts): dense layers with relu, softmax out."""
    folder = os.path.join(ROOT, "public", "data", "mnist")
    with open(os.path.join(folder, "classifier.json")) as f:
        sizes = json.load(f)["layers"]
    flat = np.fromfile(os.path.join(folder, "classifier.bin"), dtype=np.float32)
    layers, at = [], 0
    for n_in, n_out in zip(sizes, sizes[1:]):
        kernel = flat[at : at + n_in * n_out].reshape(n_in, n_out)
        at += kernel.size
        bias = flat[at : at + n_out]
        at += n_out
        layers.append((torch.from_numpy(kernel.copy()), torch.from_numpy(bias.copy())))

    def classify(x01: torch.Tensor):
        """Class probabilities and the features FID compares (the last hidden layer)."""
        h = x01
        for kernel, bias in layers[:-1]:
            h = F.relu(h @ kernel + bias)
        kernel, bias = layers[-1]
        return F.softmax(h @ kernel + bias, 1), h

    return classify


def stats(features: torch.Tensor):
    f = features.double()
    return f.mean(0).numpy(), torch.cov(f.T).numpy()


def sqrtm_psd(m: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((m + m.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet(a, b) -> float:
    (mu1, c1), (mu2, c2) = a, b
    root = sqrtm_psd(c2)
    cross = sqrtm_psd(root @ c1 @ root)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(c1) + np.trace(c2) - 2 * np.trace(cross))


def inception_score(p: torch.Tensor) -> float:
    p = p.double()
    marginal = p.mean(0, keepdim=True)
    kl = (p * (torch.log(p + 1e-12) - torch.log(marginal + 1e-12))).sum(1)
    return float(torch.exp(kl.mean()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(m for m in PRESETS if m != "toy"), required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--at", default="1000,2000,5000")
    parser.add_argument("--train", required=True, help="JSON list of the training digits' indices")
    parser.add_argument("--class-share", type=float, default=0.05, help="a digit counts as drawn at this share (DIGITS_BAR)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    with open(args.train) as f:
        train = torch.tensor(json.load(f), dtype=torch.long)
    pool = load_mnist()[train]
    classify = load_classifier()
    with torch.no_grad():
        reference = stats(classify((pool + 1) / 2)[1])
    g, d = build(args.model)
    step = trainer(args.model, g, d, pool)
    noise = torch.randn(SAMPLES, PRESETS[args.model]["latent"], generator=torch.Generator().manual_seed(args.seed + 1))
    checkpoints = sorted(int(v) for v in args.at.split(","))
    for n in range(1, checkpoints[-1] + 1):
        step()
        if n not in checkpoints:
            continue
        g.eval()
        with torch.no_grad():
            p, features = classify((g(noise) + 1) / 2)
        g.train()
        counts = np.bincount(p.argmax(1).numpy(), minlength=10)
        print(
            json.dumps(
                {
                    "step": n,
                    "IS": round(inception_score(p), 3),
                    "classes": int((counts >= args.class_share * SAMPLES).sum()),
                    "FID": round(frechet(stats(features), reference), 2),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
