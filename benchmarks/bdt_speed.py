"""Training time and ROC AUC of the seed's BDT against the fast exponential-loss BDT.

Models, all trained on the same events and scored on a held-out split:

  (a) scikit-learn AdaBoostClassifier at the seed settings   -- adaboost_bdt(): 300 trees of
      depth 3, SAMME, learning rate 1; single-threaded (scikit-learn's trees are)
  (b) HistAdaBoostClassifier, one thread (its default)         -- adaboost_bdt(fast=True): the
      same exponential loss, 300 trees of depth 3, 256 bins per feature, learning rate 0.2
  (b') the same with ``--n-jobs`` threads (default -1, every core)
  (c) XGBoost, logistic loss, 300 trees of depth 3, lr 0.2     -- same trees, other loss
  (d) XGBoost, logistic loss, xgboost_model() defaults         -- 500 trees of depth 6, lr 0.1

(c) and (d) use ``--n-jobs`` threads.

on (1) a synthetic set, ``make_classification(n_samples=--events, n_features=--features,
n_informative=15, n_redundant=6, flip_y=0.05, class_sep=0.8, random_state=42)``, 25% held out
(``train_test_split(..., test_size=0.25, random_state=0)``), and (2) the UCI HIGGS sample in
``--data``/higgs_uci (7,000 training and 500 test events; skipped with a note if absent).
The table shows the median fit time over ``--repeats``, each model's speed-up over (a), and
the held-out ROC AUC with its standard error (Hanley and McNeil 1982). The 1-minute load
average is printed before and after: other busy processes slow the multi-threaded fits most
(OpenMP threads spin-wait; see HistAdaBoostClassifier's Notes).

(a) takes about 750 s on 200,000 x 27 events on 2 CPU cores; ``--skip-sklearn-above N``
leaves it out of any data set with more than N training events.

    python benchmarks/bdt_speed.py [--events 200000] [--features 27] [--repeats 1]
                                   [--skip-sklearn-above N] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import sklearn
import xgboost
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from skhep_models.baselines import adaboost_bdt, xgboost_model
from skhep_models.io import read_higgs_uci

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
SKLEARN = "(a) sklearn AdaBoost, seed settings (1 thread)"


def models(n_jobs):
    """Name -> zero-argument constructor, in table order."""
    return {
        SKLEARN: lambda: adaboost_bdt(random_state=0),
        "(b) HistAdaBoostClassifier (1 thread, default)": lambda: adaboost_bdt(
            fast=True, random_state=0
        ),
        f"(b') HistAdaBoostClassifier (n_jobs={n_jobs})": lambda: adaboost_bdt(
            fast=True, n_jobs=n_jobs, random_state=0
        ),
        "(c) XGBoost logistic, 300 x depth 3, lr 0.2": lambda: xgboost_model(
            n_estimators=300, max_depth=3, learning_rate=0.2, n_jobs=n_jobs, random_state=0
        ),
        "(d) XGBoost logistic, xgboost_model() (500 x depth 6)": lambda: xgboost_model(
            n_jobs=n_jobs, random_state=0
        ),
    }


def auc_with_error(y, score):
    """ROC AUC and its standard error (Hanley and McNeil, Radiology 143 (1982) 29)."""
    auc = roc_auc_score(y, score)
    n1, n0 = int(np.sum(y == 1)), int(np.sum(y == 0))
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n1 - 1) * (q1 - auc**2) + (n0 - 1) * (q2 - auc**2)) / (n1 * n0)
    return auc, float(np.sqrt(max(var, 0.0)))


def score(model, X):
    if hasattr(model, "decision_function"):
        return model.decision_function(X)
    return model.predict_proba(X)[:, 1]


def benchmark(title, X_train, X_test, y_train, y_test, args):
    print(f"\n### {title}: {len(X_train):,} training / {len(X_test):,} test events, "
          f"{X_train.shape[1]} features\n")
    rows = []
    for name, make in models(args.n_jobs).items():
        if name == SKLEARN and args.skip_sklearn_above is not None and (
            len(X_train) > args.skip_sklearn_above
        ):
            print(f"(skipping {name}: {len(X_train):,} training events > "
                  f"--skip-sklearn-above {args.skip_sklearn_above:,})")
            continue
        times = []
        for _ in range(args.repeats):
            model = make()
            t0 = time.perf_counter()
            model.fit(X_train, y_train)
            times.append(time.perf_counter() - t0)
        auc, err = auc_with_error(y_test, score(model, X_test))
        rows.append((name, statistics.median(times), auc, err))
        print(f"  {name}: {rows[-1][1]:.2f} s, AUC {auc:.4f}", flush=True)

    reference = next((t for name, t, _, _ in rows if name == SKLEARN), None)
    print("\n| model | fit time [s] | speed-up vs (a) | ROC AUC (held out) |")
    print("|---|---:|---:|---:|")
    for name, seconds, auc, err in rows:
        ratio = f"{reference / seconds:.1f}x" if reference is not None else "n/a"
        print(f"| {name} | {seconds:.2f} | {ratio} | {auc:.4f} +- {err:.4f} |")


def load_higgs(folder):
    """The UCI HIGGS training and test rows as arrays."""
    (X_train, y_train), (X_test, y_test) = (
        read_higgs_uci(folder / f"lightgbm_binary.{part}.tsv") for part in ("train", "test")
    )
    return X_train.to_numpy(), X_test.to_numpy(), y_train, y_test


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000,
                        help="synthetic events generated (75%% train, 25%% test)")
    parser.add_argument("--features", type=int, default=27)
    parser.add_argument("--repeats", type=int, default=1, help="fits per model (median time)")
    parser.add_argument("--skip-sklearn-above", type=int, default=None, metavar="N",
                        help="leave sklearn's AdaBoost out where there are more than N "
                        "training events")
    parser.add_argument("--n-jobs", type=int, default=-1,
                        help="threads of (b'), (c) and (d) (default: -1, every core)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding higgs_uci/ (default: ../shared/data)")
    args = parser.parse_args(argv)
    if args.features < 21:
        parser.error("--features must be at least 21 (15 informative + 6 redundant)")

    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.2f}; scikit-learn {sklearn.__version__}, "
          f"xgboost {xgboost.__version__}")

    X, y = make_classification(
        n_samples=args.events, n_features=args.features, n_informative=15, n_redundant=6,
        flip_y=0.05, class_sep=0.8, random_state=42,
    )
    benchmark("Synthetic (make_classification, random_state=42)",
              *train_test_split(X, y, test_size=0.25, random_state=0), args)

    higgs = args.data / "higgs_uci"
    if higgs.is_dir():
        benchmark("UCI HIGGS (lightgbm_binary.train/.test.tsv)", *load_higgs(higgs), args)
    else:
        print(f"\nNote: {higgs} does not exist; skipping the UCI HIGGS comparison "
              "(pass --data to point at the folder holding higgs_uci/).")
    print(f"\nLoad average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
