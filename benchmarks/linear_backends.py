"""MKL against oneDNN for the products of one MLP layer: where the fused MLP's thresholds come from.

For each layer shape (inputs x outputs) and batch size, the time of its three training products
through MKL (PyTorch's ``addmm``/``mm``) and through oneDNN's inner product
(``torch.ops.mkldnn._linear_pointwise``, as ``skhep_models.nn._fused`` calls it):

  forward         batch x in  by  in x out, bias and ReLU included
  input gradient  batch x out by out x in
  weight gradient out x batch by batch x in   (a reduction over the batch)

and the backend the fused MLP picks for it (``_fused._use_dnn``, ``_fused._use_dnn_dw``).
A pick is right where its column is the faster one. PyTorch's CPU wheels run MKL's AVX2 kernels
on AMD CPUs and oneDNN's AVX-512 ones, so on AVX-512 AMD machines oneDNN wins the larger
products; its fixed cost per call (~15 us against MKL's ~4) loses the small ones.

    python benchmarks/linear_backends.py [--threads 1 2] [--batch-sizes 32 128 512 1024 4096]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from skhep_models.nn import _fused

SHAPES = [(16, 140), (140, 64), (64, 26), (26, 18), (16, 706), (706, 460), (128, 128), (256, 256)]


def _time(fn, seconds=0.05):
    for _ in range(10):
        fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return (time.perf_counter() - start) / n * 1e6


def _row(n, n_in, n_out):
    dnn = _fused._DNN_LINEAR
    x, g = torch.randn(n, n_in), torch.randn(n, n_out)
    W, b = torch.randn(n_out, n_in), torch.randn(n_out)
    out, dx, dw = torch.empty(n, n_out), torch.empty(n, n_in), torch.empty(n_out, n_in)
    mkl = (
        _time(lambda: torch.addmm(b, x, W.t(), out=out).relu_()),
        _time(lambda: torch.mm(g, W, out=dx)),
        _time(lambda: torch.mm(g.t(), x, out=dw)),
    )
    one = (
        _time(lambda: dnn(x, W, b, "relu", [], "")),
        _time(lambda: dnn(g, W.t(), None, "none", [], "")),
        _time(lambda: dnn(g.t(), x.t(), None, "none", [], "")),
    )
    pick = _fused._use_dnn(x, n_in, n_out)
    return mkl, one, (pick, pick, _fused._use_dnn_dw(x, n_in, n_out))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128, 512, 1024, 4096])
    args = p.parse_args(argv)
    if _fused._DNN_LINEAR is None:
        raise SystemExit("this machine or torch build gives the fused MLP no oneDNN products")

    print(
        "# MKL against oneDNN per layer product, microseconds per call\n\n"
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}\n"
    )
    threads = torch.get_num_threads()
    for n_threads in args.threads:
        torch.set_num_threads(n_threads)
        print(f"\n## {n_threads} thread(s)\n")
        print("| layer | batch | MFLOP | forward MKL / oneDNN | input grad MKL / oneDNN "
              "| weight grad MKL / oneDNN |")  # fmt: skip
        print("|---|---:|---:|---:|---:|---:|")
        for n_in, n_out in SHAPES:
            for n in args.batch_sizes:
                mkl, one, picks = _row(n, n_in, n_out)
                cells = [
                    f"{'**' * (not p)}{m:.0f}{'**' * (not p)} / {'**' * p}{o:.0f}{'**' * p}"
                    for m, o, p in zip(mkl, one, picks)
                ]
                flops = 2 * n * n_in * n_out / 1e6
                print(f"| {n_in}x{n_out} | {n} | {flops:.2f} | " + " | ".join(cells) + " |")
    torch.set_num_threads(threads)
    print("\nbold: the backend the fused MLP picks.")


if __name__ == "__main__":
    main()
