"""The SHiP tutorial's classifier pipeline on the real UCI HIGGS sample, next to XGBoost.

StandardScaler + PCA (fitted on signal and background together) + a plain neural classifier
(ParameterizedNNClassifier with ``param_columns=None``): dense layers of 25 and 20 ReLU units
with dropout, binary cross-entropy, Adam, 100 epochs in batches of 100, signal and background
balanced, 20% of the training events for validation, and the weights of the epoch with the best
validation loss. Then: the loss curves, a save and reload with joblib, the ROC curve as signal
efficiency vs background rejection, and a threshold chosen for a target signal efficiency.
XGBoost is trained on the same split. About half a minute on 2 CPU cores.

    python examples/ship_style_pipeline.py [--data ../shared/data] [--out ship_style.png]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import joblib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skhep_models import ParameterizedNNClassifier  # noqa: E402
from skhep_models.baselines import xgboost_model  # noqa: E402
from skhep_models.io import read_higgs_uci  # noqa: E402
from skhep_models.metrics import background_rejection_at, threshold_at_signal_efficiency  # noqa: E402
from skhep_models.plotting import loss_curve, roc_curves  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def load_higgs(data_dir: Path, part: str):
    return read_higgs_uci(data_dir / "higgs_uci" / f"lightgbm_binary.{part}.tsv")


def ship_pipeline(max_epochs=100, random_state=0):
    """The tutorial's recipe; ``patience=max_epochs`` keeps the best-validation weights."""
    classifier = ParameterizedNNClassifier(
        hidden_layer_sizes=(25, 20),
        param_columns=None,
        dropout=0.2,
        learning_rate=1e-3,
        weight_decay=0.0,  # the tutorial's plain Adam
        batch_size=100,
        max_epochs=max_epochs,
        patience=max_epochs,
        validation_fraction=0.2,
        class_weight="balanced",
        random_state=random_state,
    )
    return make_pipeline(StandardScaler(), PCA(), classifier)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=Path("ship_style.png"))
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--signal-efficiency", type=float, default=0.8)
    args = p.parse_args(argv)

    X_train, y_train = load_higgs(args.data, "train")
    X_test, y_test = load_higgs(args.data, "test")
    print(f"UCI HIGGS: {len(X_train)} training events ({y_train.mean():.1%} signal), {len(X_test)} test")

    pipe = ship_pipeline(args.epochs)
    start = time.perf_counter()
    pipe.fit(X_train, y_train)
    nn_time = time.perf_counter() - start
    clf = pipe[-1]
    print(f"network: {clf.n_iter_} epochs in {nn_time:.1f} s, best validation loss at epoch {clf.best_epoch_}")

    # save and reload: the reloaded pipeline scores exactly as the trained one
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ship_pipeline.joblib"
        joblib.dump(pipe, path)
        reloaded = joblib.load(path)
    score = reloaded.predict_proba(X_test)[:, 1]
    assert np.array_equal(score, pipe.predict_proba(X_test)[:, 1])

    xgb = xgboost_model(n_jobs=2, random_state=0)
    start = time.perf_counter()
    xgb.fit(X_train, y_train)
    xgb_time = time.perf_counter() - start
    xgb_score = xgb.predict_proba(X_test)[:, 1]

    eff = args.signal_efficiency
    cut = threshold_at_signal_efficiency(y_test, score, eff)
    print()
    print("| method | test AUC | bkg rejection at eff_S = {:.0%} | train time [s] |".format(eff))
    print("|---|---|---|---|")
    for name, s, t in [("SHiP-style NN (25-20, dropout)", score, nn_time), ("XGBoost", xgb_score, xgb_time)]:
        rej = background_rejection_at(y_test, s, eff)
        print(f"| {name} | {roc_auc_score(y_test, s):.4f} | {rej:.3f} | {t:.1f} |")
    selected = score >= cut
    print(
        f"\nthreshold for {eff:.0%} signal efficiency: score >= {cut:.3f} keeps "
        f"{selected[y_test == 1].mean():.1%} of the signal and {selected[y_test == 0].mean():.1%} "
        "of the background"
    )

    fig, (ax_loss, ax_roc) = plt.subplots(1, 2, figsize=(12, 5))
    loss_curve(clf.history_, ax=ax_loss)
    roc_curves({"SHiP-style NN": (y_test, score), "XGBoost": (y_test, xgb_score)}, ax=ax_roc)
    ax_roc.axvline(eff, color="grey", ls=":")
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"loss curves and ROC written to {args.out}")
    return {"auc": roc_auc_score(y_test, score), "xgb_auc": roc_auc_score(y_test, xgb_score)}


if __name__ == "__main__":
    main()
