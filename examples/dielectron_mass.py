"""Read, clean, tune and evaluate the seed's mass regression in a scikit-learn Pipeline.

Reads the real CMS 2011 dimuon events (``../shared/data/cms_dimuon/Zmumu_Run2011A.csv``) when
they are there, otherwise generated dielectron events written to a temporary CSV; drops NaN
masses and duplicated (Run, Event) pairs; runs a short Bayesian search over the seed's
constrained space for ``MinMaxScaler(0, 100) + ShallowMassRegressor``; prints the test RMSE and
saves the mass spectrum and the residuals. About a minute on 2 CPU cores.

    python examples/dielectron_mass.py [--data ../shared/data] [--out dielectron_mass.png]
                                       [--n-iter 4] [--epochs 30] [--events 10000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from skopt import BayesSearchCV  # noqa: E402

from skhep_models.datasets import DIELECTRON_FEATURES, make_dielectron  # noqa: E402
from skhep_models.estimators import make_seed_mass_pipeline  # noqa: E402
from skhep_models.io import clean_events, read_csv  # noqa: E402
from skhep_models.plotting import mass_spectrum, residuals_vs_truth  # noqa: E402
from skhep_models.tuning import shallow_mass_space  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def load(data_dir: Path, n_generated: int):
    real = data_dir / "cms_dimuon" / "Zmumu_Run2011A.csv"
    columns = ["Run", "Event", *DIELECTRON_FEATURES, "M"]
    if real.exists():
        return "real CMS 2011 dimuons", read_csv(real, columns=columns)
    path = Path(tempfile.mkdtemp()) / "dielectron.csv"
    make_dielectron(n_generated, random_state=0).to_csv(path, index=False)
    return "generated dielectrons", read_csv(path, columns=columns)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=Path("dielectron_mass.png"))
    p.add_argument("--n-iter", type=int, default=4, help="points of the Bayesian search")
    p.add_argument("--epochs", type=int, default=30, help="max epochs of each network")
    p.add_argument("--events", type=int, default=10_000, help="generated events, without real data")
    args = p.parse_args(argv)

    source, df = load(args.data, args.events)
    df = clean_events(df, target="M", keys=("Run", "Event"))
    X, y = df[DIELECTRON_FEATURES], df["M"].to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    print(f"{source}: {len(X_train):,} training and {len(X_test):,} test events")

    pipe = make_seed_mass_pipeline(batch_size=64, max_epochs=args.epochs, patience=5, random_state=0)
    search = BayesSearchCV(
        pipe, shallow_mass_space("constrained", pipe), n_iter=args.n_iter, cv=2, random_state=0,
        scoring="neg_root_mean_squared_error",
    )  # fmt: skip
    search.fit(X_train, y_train)
    best = search.best_estimator_
    pred = best.predict(X_test)
    rmse = float(np.sqrt(np.mean((pred - y_test) ** 2)))
    reg = best[-1]
    print(f"best network {reg.hidden_layer_sizes_}, learning rate {reg.learning_rate:.2e}")
    print(f"test RMSE: {rmse:.3f} GeV (cross-validated: {-search.best_score_:.3f} GeV)")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5))
    mass_spectrum(y_test, {"ShallowMassRegressor": pred}, ax=ax1,
                  bins=np.linspace(y_test.min(), y_test.max(), 100))
    residuals_vs_truth(y_test, pred, ax=ax2, label="ShallowMassRegressor", bins=20)
    fig.savefig(args.out, dpi=110, bbox_inches="tight")
    print(f"plot saved to {args.out}")
    return {"source": source, "rmse": rmse, "search": search}


if __name__ == "__main__":
    main()
