#!/usr/bin/env python3
"""The PyTorch reference for `npm run bench`: the app's GANs, trained as the
app trains them (same layer sizes, loss, Adam settings, batch and data), so
the bench can print browser/PyTorch ratios from one run.

One step is what GanJob.trainStep does: a batch of real digits gathered from
the data set held in memory, one D update on real and generated images (G in
inference of autograd's view: its output is detached), then one G update on
fresh noise, with the four statistics (D loss, G loss, D(x), D(G(z))) kept
on the device and read back every 25 steps, as the app's worker does.

Prints one JSON object: {"model", "torchThreads", "blasThreads",
"stepsPerSecond", "steps", "torch"}. Needs python3 with torch (Debian:
python3-torch and libopenblas0-pthread); run.mjs finds it and skips the
column without it. PyTorch's speed on a small CPU depends on how its two
thread pools (its own OpenMP one and OpenBLAS's) share the cores, so run.mjs
runs it as installed, with torch.set_num_threads(cores), and fully single
threaded (OPENBLAS_NUM_THREADS=1 set by the caller, --threads 1).

--device cuda runs it on an NVIDIA GPU (tests/bench/gpu-run.sh does, where
there is one), and --batch 32,64 measures those batch sizes instead of the
preset's, one line each.

Usage: torch_gan.py --model article|article-tuned|dcgan|toy --seconds 15 [--threads N]
       [--batch N[,N...]] [--device cpu|cuda]
"""
import argparse
import json
import math
import os
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
READ_EVERY = 25


def glorot(model: nn.Module) -> nn.Module:
    # tfjs's layers default to Glorot-uniform kernels and zero biases.
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return model


def mlp(sizes, hidden: str, last: str) -> nn.Sequential:
    layers = []
    for i in range(1, len(sizes)):
        layers.append(nn.Linear(sizes[i - 1], sizes[i]))
        if i < len(sizes) - 1:
            layers.append(nn.ReLU() if hidden == "relu" else nn.LeakyReLU(0.2))
    if last == "tanh":
        layers.append(nn.Tanh())
    return glorot(nn.Sequential(*layers))


class Unflatten(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.view(x.shape[0], *self.shape)


def dcgan(latent: int):
    # src/core/gan/models.ts buildDcgan, channels first. Keras' batch-norm
    # momentum 0.8 is PyTorch's 0.2; 'same' padding for k4 s2 is padding 1.
    g = nn.Sequential(
        nn.Linear(latent, 7 * 7 * 64, bias=False),
        Unflatten((64, 7, 7)),
        nn.BatchNorm2d(64, momentum=0.2, eps=1e-3),
        nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False),
        nn.BatchNorm2d(32, momentum=0.2, eps=1e-3),
        nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 4, 2, 1),
        nn.Tanh(),
        nn.Flatten(),
    )
    d = nn.Sequential(
        Unflatten((1, 28, 28)),
        nn.Conv2d(1, 32, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(32, 64, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 64, 1),
    )
    return glorot(g), glorot(d)


# The app's presets (src/core/gan/config.ts): model, latent size, batch, learning rate.
PRESETS = {
    "article": {"latent": 100, "batch": 128, "lr": 2e-4},
    "article-tuned": {"latent": 100, "batch": 128, "lr": 1e-3},
    "dcgan": {"latent": 64, "batch": 64, "lr": 1e-3},
    "toy": {"latent": 2, "batch": 128, "lr": 1e-3},
}


def build(model: str):
    latent = PRESETS[model]["latent"]
    if model in ("article", "article-tuned"):
        # The article's sizes; made to work, its hidden layers are leaky ReLUs (models.ts).
        hidden = "relu" if model == "article" else "leaky"
        return (
            mlp([latent, 128, 256, 1024, 784], hidden, "tanh"),
            mlp([784, 1024, 512, 256, 1], hidden, "linear"),
        )
    if model == "dcgan":
        return dcgan(latent)
    return mlp([latent, 64, 64, 2], "leaky", "linear"), mlp([2, 64, 64, 1], "leaky", "linear")


def load_mnist() -> torch.Tensor:
    """The app's shipped MNIST (datasets/ builds it), as rows of pixels in [-1, 1]."""
    folder = os.path.join(ROOT, "public", "data", "mnist")
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(folder, manifest["file"]), "rb") as f:
        raw = f.read()
    start = manifest["pixelsOffset"]
    pixels = torch.frombuffer(bytearray(raw[start : start + manifest["count"] * 784]), dtype=torch.uint8)
    return pixels.view(-1, 784).float() / 127.5 - 1


def ring(n: int) -> torch.Tensor:
    """The toy GAN's ring of 8 Gaussians."""
    angles = torch.randint(0, 8, (n,)).float() * (2 * math.pi / 8)
    centres = torch.stack([torch.cos(angles), torch.sin(angles)], 1) * 2
    return centres + torch.randn(n, 2) * 0.05


def trainer(model: str, g: nn.Module, d: nn.Module, pool: torch.Tensor, b: int):
    """One training step of the preset's GAN on rows of `pool`, as GanJob.trainStep does."""
    p = PRESETS[model]
    opt_d = torch.optim.Adam(d.parameters(), lr=p["lr"], betas=(0.5, 0.999), eps=1e-7)
    opt_g = torch.optim.Adam(g.parameters(), lr=p["lr"], betas=(0.5, 0.999), eps=1e-7)
    latent = p["latent"]
    dev = pool.device
    pending = []

    def step():
        real = pool[torch.randint(0, pool.shape[0], (b,), device=dev)]
        with torch.no_grad():
            fake = g(torch.randn(b, latent, device=dev))
        lr, lf = d(real), d(fake)
        # Non-saturating loss on logits, as losses.ts: softplus(-l_real) + softplus(l_fake).
        d_loss = F.softplus(-lr).mean() + F.softplus(lf).mean()
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-d(g(torch.randn(b, latent, device=dev)))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        pending.append(
            torch.stack([d_loss.detach(), g_loss.detach(), torch.sigmoid(lr).mean().detach(), torch.sigmoid(lf).mean().detach()])
        )
        if len(pending) >= READ_EVERY:
            torch.stack(pending).tolist()
            pending.clear()

    return step


def measure(model: str, seconds: float, threads: "int | None", batch: "int | None", device: str) -> dict:
    if threads is not None:
        torch.set_num_threads(threads)
    torch.manual_seed(1)
    g, d = build(model)
    g, d = g.to(device), d.to(device)
    pool = (ring(4096) if model == "toy" else load_mnist()).to(device)
    b = batch or PRESETS[model]["batch"]
    step = trainer(model, g, d, pool, b)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    for _ in range(3 if device == "cuda" else 1):
        step()  # warm-up, as the node and browser rows have (CUDA's first steps load its kernels)
    sync()
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or steps == 0:
        step()
        steps += 1
    sync()
    elapsed = time.perf_counter() - t0
    return {
        "model": model,
        "batch": b,
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "torchThreads": torch.get_num_threads(),
        "blasThreads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
        "stepsPerSecond": round(steps / elapsed, 2),
        "steps": steps,
        "torch": torch.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(PRESETS), required=True)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--threads", type=int, help="torch.set_num_threads; PyTorch's default without it")
    parser.add_argument("--batch", help="batch sizes, comma-separated (a line each); the app's preset without it")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args()
    for batch in args.batch.split(",") if args.batch else [None]:
        row = measure(args.model, args.seconds, args.threads, batch and int(batch), args.device)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    sys.exit(main())
