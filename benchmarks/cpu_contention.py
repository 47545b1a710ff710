"""Whether this machine's cores slow each other down: a check to run beside the throughput tables.

One fixed product (float32, 256x256 by 256x256, through PyTorch) is timed, round after round
for ``--seconds``: on one thread pinned to each core in turn (``os.sched_setaffinity``), then
split over all cores (one intra-op thread per core), as a trainer's products are. On dedicated
cores the split product's time stays near the one-core time over the core count, round after
round. On a VM whose virtual CPUs share physical cores with each other or with other guests, some
rounds of the split product are slower: the table counts them. On the 2-vCPU VM of issue 2 about one round in seven took 1.6x the usual all-core time
while neither core alone slowed; a trainer that keeps both cores busy through every step (the
shared engine) loses more in those stretches than one that runs part of its work on one core
(scikit-learn's MLP), which is why ``training_speed.py`` reports its best runs beside the medians.

    python benchmarks/cpu_contention.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

SLOW = 1.25  # a round this much slower than the median is counted as slow


def _product_us(a, b, out, reps=100):
    for _ in range(10):
        torch.mm(a, b, out=out)
    start = time.perf_counter()
    for _ in range(reps):
        torch.mm(a, b, out=out)
    return (time.perf_counter() - start) / reps * 1e6


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=60.0)
    args = p.parse_args(argv)

    if not hasattr(os, "sched_setaffinity"):
        raise SystemExit("cpu_contention: needs os.sched_setaffinity (Linux)")
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit(f"cpu_contention: needs at least two cores, this process may use {cores}")
    threads = torch.get_num_threads()
    a, b, out = torch.randn(256, 256), torch.randn(256, 256), torch.empty(256, 256)
    all_cores = f"all {len(cores)} cores"
    rounds = {**{f"core {c} alone": [] for c in cores}, all_cores: []}
    start = time.perf_counter()
    try:
        while not rounds[all_cores] or time.perf_counter() - start < args.seconds:
            torch.set_num_threads(1)
            for c in cores:
                os.sched_setaffinity(0, {c})
                rounds[f"core {c} alone"].append(_product_us(a, b, out))
            os.sched_setaffinity(0, cores)
            torch.set_num_threads(len(cores))
            rounds[all_cores].append(_product_us(a, b, out))
            time.sleep(0.2)
    finally:
        os.sched_setaffinity(0, cores)
        torch.set_num_threads(threads)

    print(
        f"# Core contention: 256x256 float32 product, {len(rounds[all_cores])} "
        f"rounds over {time.perf_counter() - start:.0f} s\n\n"
        f"| run on | median [us] | 90th percentile [us] | slowest [us] | rounds > {SLOW}x median |\n"
        "|---|---:|---:|---:|---:|"
    )
    for name, t in rounds.items():
        med = statistics.median(t)
        slow = sum(x > SLOW * med for x in t)
        q90 = sorted(t)[int(0.9 * (len(t) - 1))]
        print(f"| {name} | {med:.0f} | {q90:.0f} | {max(t):.0f} | {slow} of {len(t)} |")


if __name__ == "__main__":
    main()
