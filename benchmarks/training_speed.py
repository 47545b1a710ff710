"""Training throughput of the shared engine against the usual ways to train the same network.

One epoch over generated dielectron events (16 lepton features, standardised mass target) with the
seed's 140-64-26-18 ReLU network, at each batch size, for:

  (a) ShallowMassRegressor                -- this package's engine
  (b) skorch NeuralNetRegressor           -- same module; skorch's defaults (DataLoader batching)
                                             but the others' AdamW and no validation split
  (b') skorch NeuralNetRegressor          -- every skorch default: SGD, and 20 % of the events
                                             held out for validation (events/s over all events)
  (c) scikit-learn MLPRegressor           -- same architecture, adam
  (d) a minimal hand-written torch loop   -- tensor slicing, AdamW as constructed by default
  (d') the same loop with fused AdamW     -- the optimizer kernel the engine uses

All run in one process, interleaved, ``--repeats`` times; the table shows the median events/s and
each one's ratio to (a). The targets are checked on the medians and on each trainer's best run
(timeit's rule: the fastest run is the code's speed, slower ones carry interference). On a
2-vCPU VM the two can differ: in stretches of seconds to minutes, two busy vCPUs slow each other
down (``cpu_contention.py``), which costs a trainer that keeps both cores busy through every step,
as ours does, more than scikit-learn, whose element-wise work runs on one core.

After (c) the benchmark waits ``SETTLE_S``: OpenBLAS's worker threads, which numpy (and so
scikit-learn) uses, busy-wait for a while after each product, and a trainer started at once shares
the two cores with them (one batch-1024 epoch of (a) took 105-155 ms instead of 55 right after
(c), 71 like any other after a 0.3 s wait).

Targets (issue 2): (a) >= 1.5x (b) at both batch sizes (checked against (b') as well); (a) >= 1.0x
(c) at batch 32 and >= 2x (c) at batch 1024; (a) no more than 1.3x slower than (d).

    python benchmarks/training_speed.py [--events 80000] [--repeats 7] [--batch-sizes 32 1024]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import MinMaxScaler
from skorch import NeuralNetRegressor

from skhep_models import ShallowMassRegressor
from skhep_models.datasets import DIELECTRON_FEATURES, make_dielectron
from skhep_models.nn import MLP

HIDDEN = (140, 64, 26, 18)
LR = 5e-4
SETTLE_S = 0.3  # after (c): see the module docstring


def load(n_events):
    df = make_dielectron(n_events, random_state=0)
    X = MinMaxScaler((0, 100)).fit_transform(df[DIELECTRON_FEATURES]).astype(np.float32)
    y = df["M"].to_numpy(np.float32)
    return X, ((y - y.mean()) / y.std()).reshape(-1, 1)


def run_ours(X, y, bs):
    reg = ShallowMassRegressor(
        HIDDEN, batch_size=bs, max_epochs=1, patience=None, validation_fraction=0, random_state=0
    )
    t = time.perf_counter()
    reg.fit(X, y.ravel())
    return time.perf_counter() - t


def run_skorch(X, y, bs, all_defaults=False):
    torch.manual_seed(0)
    # (b): the optimizer of the others, every event trains; (b'): skorch's SGD and validation split
    same_work = {} if all_defaults else {"optimizer": torch.optim.AdamW, "lr": LR, "train_split": None}
    net = NeuralNetRegressor(MLP(X.shape[1], HIDDEN), batch_size=bs, max_epochs=1, verbose=0, **same_work)
    t = time.perf_counter()
    net.fit(X, y)
    return time.perf_counter() - t


def run_sklearn(X, y, bs):
    mlp = MLPRegressor(
        hidden_layer_sizes=HIDDEN, batch_size=bs, learning_rate_init=LR, max_iter=1, random_state=0
    )
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y.ravel())
    return time.perf_counter() - t


def run_torch(X, y, bs, fused=None):
    torch.manual_seed(0)
    t = time.perf_counter()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    model = MLP(X.shape[1], HIDDEN)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, fused=fused)
    loss_fn = torch.nn.MSELoss()
    perm = torch.randperm(len(Xt))
    Xs, ys = Xt[perm], yt[perm]
    for i in range(0, len(Xs), bs):
        opt.zero_grad()
        loss = loss_fn(model(Xs[i : i + bs]), ys[i : i + bs])
        loss.backward()
        opt.step()
    return time.perf_counter() - t


OURS, SKORCH, SKORCH_DEFAULTS = "(a) ShallowMassRegressor", "(b) skorch, AdamW", "(b') skorch, all defaults"
SKLEARN, TORCH = "(c) sklearn MLPRegressor", "(d) hand-written torch loop"
RUNNERS = {
    OURS: run_ours,
    SKORCH: run_skorch,
    SKORCH_DEFAULTS: lambda X, y, bs: run_skorch(X, y, bs, all_defaults=True),
    SKLEARN: run_sklearn,
    TORCH: run_torch,
    "(d') torch loop, fused AdamW": lambda X, y, bs: run_torch(X, y, bs, fused=True),
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=80_000)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 1024])
    args = p.parse_args(argv)

    X, y = load(args.events)
    print(
        f"# Training throughput: one epoch, {len(X):,} events x {X.shape[1]} features, "
        f"network {'-'.join(map(str, HIDDEN))}\n\n"
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"torch {torch.__version__} ({torch.get_num_threads()} intra-op threads), "
        f"median (and best) of {args.repeats} interleaved runs\n"
    )
    rates, best = {}, {}
    for bs in args.batch_sizes:
        for name, fn in RUNNERS.items():  # warm-up
            fn(X[:2048], y[:2048], bs)
        times = {name: [] for name in RUNNERS}
        for _ in range(args.repeats):
            for name, fn in RUNNERS.items():
                times[name].append(fn(X, y, bs))
                if name == SKLEARN:
                    time.sleep(SETTLE_S)
        for name in RUNNERS:
            rates[name, bs] = len(X) / statistics.median(times[name])
            best[name, bs] = len(X) / min(times[name])

    header = "| trainer | " + " | ".join(f"batch {bs}: events/s | ratio (a)/x" for bs in args.batch_sizes)
    print(header + " |")
    print("|---|" + "---:|---:|" * len(args.batch_sizes))
    for name in RUNNERS:
        cells = []
        for bs in args.batch_sizes:
            r = rates[name, bs]
            cells.append(f"{r:,.0f} | {rates[OURS, bs] / r:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")

    print(
        f"\n| target | median of {args.repeats}: ratio | met | best of {args.repeats}: ratio | met |"
        "\n|---|---:|:---:|---:|:---:|"
    )
    for bs in args.batch_sizes:
        need_c = 1.0 if bs <= 32 else 2.0
        targets = (
            (SKORCH, 1.5, "1.5x (b)"),
            (SKORCH_DEFAULTS, 1.5, "1.5x (b')"),
            (SKLEARN, need_c, f"{need_c}x (c)"),
            (TORCH, 1 / 1.3, "1/1.3x (d)"),
        )
        for other, need, label in targets:
            cells = []
            for r in (rates, best):
                ratio = r[OURS, bs] / r[other, bs]
                cells.append(f"{ratio:.2f}x | {'yes' if ratio >= need else 'NO'}")
            print(f"| (a) >= {label}, batch {bs} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
