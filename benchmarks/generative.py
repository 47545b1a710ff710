"""Fast simulation: the beta-VAE generator against simple references, on real and generated events.

Two samples, each split in half (train / test, fixed seed):

  * the real DarkMachines monojet sample (``--data``, read with ``read_darkmachines``: MET,
    counts and the leading b-jets, jets, leptons and photons), where the VAE learns the
    events through ``EventFrame`` (azimuths relative to the MET, energies as mass terms,
    padding of absent objects left out of the quantile map), conditioned on the discrete
    columns (counts, lepton flavours); one unconditional VAE and one without preprocessor
    show what each buys;
  * SM ttbar background events of ``make_ttbar_resonance`` (the HEPMASS-like features).

Generators, each fitted on the train half and asked for as many events as the test half:

  * BetaVAEGenerator at several ``beta`` (latent 24, latent mixture of 200 Gaussians,
    Gaussian decoder noise);
  * independent resampling: every column drawn on its own from its empirical distribution
    (marginals exact, all correlations lost);
  * a multivariate Gaussian with the training mean and covariance.

Metrics against the test half: the classifier two-sample test (held-out ROC AUC of XGBoost
separating generated from real, 0.5 = indistinguishable), the mean over features of the
Wasserstein distance in units of the real standard deviation and of the KS statistic, the
Frobenius norm of the correlation-matrix difference (over the columns that vary in both
samples), and generation speed (events/s for
``--gen-events`` events, the fastest of five runs, on this machine). A plot overlays the real
and the best VAE's histograms of the leading jet's E and phi, MET and the jet count.

    python benchmarks/generative.py [--data FILE] [--ttbar-events 20000] [--time-budget 60]
                                    [--betas 1e-4 1e-3 1e-2 1e-1] [--gen-events 1000000]
                                    [--hidden 128 64] [--latent-dim 24] [--components 200]
                                    [--decoder-noise 1] [--max-epochs 1000] [--patience 50]
                                    [--out DIR] [--quick]

Targets (issue 8): two-sample AUC <= 0.65 on the DarkMachines sample with the references
scoring higher; generation >= 1M events/s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from skhep_models import BetaVAEGenerator  # noqa: E402
from skhep_models.datasets import TTBAR_FEATURES, make_ttbar_resonance  # noqa: E402
from skhep_models.features import EventFrame  # noqa: E402
from skhep_models.io import read_darkmachines  # noqa: E402
from skhep_models.metrics import (  # noqa: E402
    classifier_two_sample_auc,
    correlation_distance,
    ks_statistics,
    wasserstein_distances,
)
from skhep_models.plotting import feature_histograms  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DARKMACHINES = REPO.parent / "shared" / "data" / "darkmachines" / "monojet_Zp2000.0_DM_50.0_chan3.csv"
AUC_TARGET = 0.65
SPEED_TARGET = 1e6


class IndependentResampler:
    """Each column drawn independently from its training values (exact marginals, no correlations)."""

    def fit(self, X):
        self.columns_ = {c: X[c].to_numpy() for c in X.columns}
        return self

    def sample(self, n, random_state=None):
        rng = np.random.default_rng(random_state)
        return pd.DataFrame({c: rng.choice(v, n) for c, v in self.columns_.items()})


class GaussianGenerator:
    """A multivariate Gaussian with the training mean and covariance."""

    def fit(self, X):
        self.columns_ = list(X.columns)
        self.mean_ = X.mean().to_numpy()
        self.chol_ = np.linalg.cholesky(np.cov(X.to_numpy().T) + 1e-9 * np.eye(X.shape[1]))
        return self

    def sample(self, n, random_state=None):
        rng = np.random.default_rng(random_state)
        z = rng.standard_normal((n, len(self.mean_)))
        return pd.DataFrame(self.mean_ + z @ self.chol_.T, columns=self.columns_)


def load_darkmachines(path):
    events = read_darkmachines(path, keep_process=False)
    # one process: the event id and the weight are the same constant on every line
    return events.drop(columns=["event_id", "weight"])


def load_ttbar(n_events, seed=0):
    events = make_ttbar_resonance(n_signal_per_mass=0, n_background=n_events, random_state=seed)
    return events[TTBAR_FEATURES]


def generation_speed(model, n_events, repeats=5):
    """Events per second of the fastest of ``repeats`` runs (as timeit: the others were slowed
    by the rest of the machine, not by the code)."""
    best = np.inf
    for seed in range(repeats):
        start = time.perf_counter()
        model.sample(n_events, random_state=seed)
        best = min(best, time.perf_counter() - start)
    return n_events / best


def evaluate(name, model, train, test, *, gen_events, fit_seconds):
    fake = model.sample(len(test), random_state=7)
    fake = fake[list(test.columns)]
    varying = [c for c in test.columns if test[c].std() > 0 and fake[c].std() > 0]
    row = {
        "generator": name,
        "two-sample AUC": classifier_two_sample_auc(test, fake, random_state=0, n_jobs=2),
        "mean W / std": wasserstein_distances(test, fake, normalize=True).mean(),
        "mean KS": ks_statistics(test, fake).mean(),
        # over the columns that vary in both samples (a constant one has no correlation)
        "corr. distance": correlation_distance(test[varying], fake[varying]),
        "fit [s]": fit_seconds,
        "events/s": generation_speed(model, gen_events),
    }
    return row, fake


def run_sample(label, events, betas, *, vae_params, gen_events, seed, frame):
    train, test = train_test_split(events, test_size=0.5, random_state=seed)
    print(f"\n## {label}: {len(train)} training and {len(test)} test events, {events.shape[1]} columns\n")
    rows, fakes = [], {}
    models = [("independent resampling", IndependentResampler()), ("multivariate Gaussian", GaussianGenerator())]
    for beta in betas:
        if frame:
            models.append((f"VAE beta={beta:g} + EventFrame, conditional",
                           BetaVAEGenerator(beta=beta, preprocessor=EventFrame(), conditional=True, **vae_params)))  # fmt: skip
        else:
            models.append((f"VAE beta={beta:g}", BetaVAEGenerator(beta=beta, **vae_params)))
    if frame:
        models.append(("VAE beta=0.001 + EventFrame", BetaVAEGenerator(beta=1e-3, preprocessor=EventFrame(), **vae_params)))
        models.append(("VAE beta=0.001, no preprocessor", BetaVAEGenerator(beta=1e-3, **vae_params)))
    for name, model in models:
        start = time.perf_counter()
        model.fit(train)
        fit_seconds = time.perf_counter() - start
        row, fakes[name] = evaluate(name, model, train, test, gen_events=gen_events, fit_seconds=fit_seconds)
        if isinstance(model, BetaVAEGenerator):
            row["epochs"] = model.n_iter_
        rows.append(row)
        print(f"  {name}: AUC {row['two-sample AUC']:.3f}, {row['events/s']:.3g} events/s", flush=True)
    table = pd.DataFrame(rows).set_index("generator")
    print()
    print(table.to_markdown(floatfmt=".3g"))
    return table, test, fakes


def plot_best(table, test, fakes, columns, path, title):
    vaes = table[table.index.str.startswith("VAE")]
    best = vaes["two-sample AUC"].idxmin()
    fig = feature_histograms(test, fakes[best], columns=[c for c in columns if c in test], labels=("real", best))
    fig.suptitle(title)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=DARKMACHINES, help="DarkMachines CSV file")
    p.add_argument("--ttbar-events", type=int, default=20_000)
    p.add_argument("--time-budget", type=float, default=60.0, help="seconds of training per VAE")
    p.add_argument("--betas", type=float, nargs="+", default=[1e-4, 1e-3, 1e-2, 1e-1])
    p.add_argument("--gen-events", type=int, default=1_000_000)
    p.add_argument("--hidden", type=int, nargs="+", default=[128, 64], help="encoder widths")
    p.add_argument("--latent-dim", type=int, default=24)
    p.add_argument("--components", type=int, default=200, help="latent mixture components")
    p.add_argument("--decoder-noise", type=float, default=1.0)
    p.add_argument("--max-epochs", type=int, default=1000)
    p.add_argument("--patience", type=int, default=50)
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "generative")
    p.add_argument("--quick", action="store_true", help="smoke run: tiny samples, few epochs")
    args = p.parse_args(argv)
    vae_params = {
        "hidden_layer_sizes": tuple(args.hidden), "latent_dim": args.latent_dim,
        "latent_components": args.components, "decoder_noise": args.decoder_noise, "max_epochs": args.max_epochs,
        "patience": args.patience, "max_time": args.time_budget, "random_state": 0,
    }  # fmt: skip
    if args.quick:
        args.ttbar_events, args.gen_events, args.betas = 1000, 2000, args.betas[:1]
        vae_params.update(max_epochs=3, latent_components=5)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"# Generative models: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__} ({torch.get_num_threads()} threads)")  # fmt: skip
    results = {}
    if args.data.is_file():
        events = load_darkmachines(args.data)
        if args.quick:
            events = events.iloc[:1000]
        table, test, fakes = run_sample(
            f"DarkMachines monojet ({args.data.name})", events, args.betas,
            vae_params=vae_params, gen_events=args.gen_events, seed=0, frame=True,
        )  # fmt: skip
        best = plot_best(table, test, fakes, ["jet1_E", "jet1_phi", "MET", "n_jet", "jet1_pt", "jet2_pt"],
                         args.out / "darkmachines_histograms.png", "DarkMachines monojet")  # fmt: skip
        results["darkmachines"] = (table, best)
    else:
        print(f"\nDarkMachines sample not found at {args.data}: that part is skipped.")
    table, test, fakes = run_sample(
        "make_ttbar_resonance background", load_ttbar(args.ttbar_events), args.betas,
        vae_params=vae_params, gen_events=args.gen_events, seed=0, frame=False,
    )  # fmt: skip
    best = plot_best(table, test, fakes, ["jet1_pt", "jet1_phi", "met", "n_jets", "m_jjj", "m_wwbb"],
                     args.out / "ttbar_histograms.png", "ttbar background")  # fmt: skip
    results["ttbar"] = (table, best)

    print("\n### Targets\n")
    if "darkmachines" in results:
        table, best = results["darkmachines"]
        auc = table.loc[best, "two-sample AUC"]
        refs = table.loc[["independent resampling", "multivariate Gaussian"], "two-sample AUC"]
        ok = auc <= AUC_TARGET and (refs > auc).all()
        print(f"- DarkMachines two-sample AUC <= {AUC_TARGET} with the references higher: best VAE "
              f"({best}) {auc:.3f}, references {refs.min():.3f} / {refs.max():.3f}: "
              f"{'met' if ok else 'NOT met'}")  # fmt: skip
    for key, (table, best) in results.items():
        speed = table.loc[best, "events/s"]
        plain = table.loc[table.index.str.startswith("VAE") & ~table.index.str.contains("EventFrame"), "events/s"]
        line = f"- generation >= 1M events/s ({key}): best VAE {speed / 1e6:.2f}M events/s"
        if len(plain) and best not in plain.index:
            line += f" (VAE without preprocessor {plain.max() / 1e6:.2f}M)"
        print(line + (": met" if speed >= SPEED_TARGET else ": NOT met"))
    print(f"\nPlots in {args.out}")
    return results


if __name__ == "__main__":
    main()
