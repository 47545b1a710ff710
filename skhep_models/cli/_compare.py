"""``compare``: our estimator against the baselines on one problem, as a markdown report.

Each runner is the quick, self-contained version of a study in ``benchmarks/`` (which the
package never imports): modest samples and training lengths, a minute or two on 2 CPU cores
by default, seconds with ``quick``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._common import CLIError, DataTable, output_dir
from ._report import Report, fit_all, with_ratios

__all__ = ["COMPARISONS", "compare"]

#: ``compare`` kinds -> what they compare (for the help).
COMPARISONS = {
    "mass": "dielectron mass regression: ShallowMassRegressor (raw inputs, raw inputs with "
    "symmetry-augmented training copies, and with Lorentz invariants) vs XGBoost, random "
    "forest, decision tree, sklearn MLP; RMSE overall and in the J/psi, Upsilon and Z windows",
    "parameterized": "X -> ttbar search: ParameterizedNNClassifier (one network, mass as input) "
    "vs one network per mass, XGBoost and the fast BDT; ROC AUC per mass and interpolation "
    "to a mass left out of training",
    "shaking": "gradient-free AUCShakingClassifier vs the same network trained with "
    "cross-entropy and XGBoost; ROC AUC, background rejection, separation power",
    "recoil": "W -> mu nu hadronic recoil: RecoilDNNRegressor vs the raw recoil sum, XGBoost and "
    "sklearn MLP; response and resolutions overall and per truth-pT and pile-up bin",
}


@dataclass
class _Run:
    """What a runner is given: the options, and where its plots go."""

    data: Path | None
    events: int | None
    quick: bool
    random_state: int
    progress: bool
    out: Path

    def n(self, default, quick):
        return self.events if self.events is not None else (quick if self.quick else default)

    def save(self, fig, name):
        fig.savefig(self.out / name, dpi=110, bbox_inches="tight")
        return name


def compare(kind, *, data=None, events=None, out="compare_report", quick=False,
            random_state=0, progress=True):  # fmt: skip
    """Run the comparison ``kind``, write ``report.md`` and the plots into ``out``.

    Returns the path of the report and its text.
    """
    if kind not in COMPARISONS:
        raise CLIError(f"unknown comparison {kind!r}; choose one of {', '.join(COMPARISONS)}")
    if events is not None and events < 100:
        raise CLIError(f"--events must be at least 100, got {events}")
    try:
        import matplotlib.style
        import mplhep
    except ImportError:
        raise CLIError(
            "compare draws its plots with matplotlib and mplhep, which are not installed: "
            "pip install 'skhep_models[plot]'"
        ) from None
    data = None if data is None else Path(data).expanduser()
    if data is not None and not data.exists():
        raise CLIError(f"--data {str(data)!r} not found")
    run = _Run(data, events, quick, random_state, progress, output_dir(out))
    start = time.perf_counter()
    with matplotlib.style.context(mplhep.style.CMS):
        report = _RUNNERS[kind](run)
    text = report.markdown(time.perf_counter() - start)
    path = run.out / "report.md"
    path.write_text(text, encoding="utf-8")
    return path, text


def _figure(ncols=1, width=9.0):
    # a Figure without pyplot: no GUI backend, nothing left open
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, 6.5))
    return fig, fig.subplots(1, ncols)


def _split(frame, test_fraction, random_state, stratify=None):
    from sklearn.model_selection import train_test_split

    return train_test_split(frame, test_size=test_fraction, random_state=random_state,
                            stratify=stratify)  # fmt: skip


def _read_file(run, columns, schema):
    """The file given with --data for a comparison that reads one table."""
    if run.data.is_dir():
        raise CLIError(f"--data {str(run.data)!r} is a folder; give a file with {schema}")
    table = DataTable(run.data)
    table.check(columns, "columns", needed_for=schema)
    frame = table.read(columns)
    if run.events is not None and run.events < len(frame):
        frame = frame.sample(run.events, random_state=run.random_state)
    return frame.reset_index(drop=True)


# ----------------------------------------------------------------------------------------
# mass: dielectron invariant-mass regression

_MASS_WINDOWS = {
    "J/psi 2.9-3.3": (2.9, 3.3),
    "Upsilon 9.2-10.6": (9.2, 10.6),
    "Z 81-101": (81.0, 101.0),
}
_RAW_NET = "ShallowMassRegressor (raw inputs)"
_AUG_NET = "ShallowMassRegressor (raw inputs, symmetry-augmented)"
_AUG_COPIES = 10  # as benchmarks/mass_regression.py, with the same transverse boosts
_AUG_BOOST = 0.5


def _mass(run):
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .. import ShallowMassRegressor
    from ..baselines import decision_tree, random_forest, xgboost_model
    from ..datasets import DIELECTRON_FEATURES, augment_pair_symmetries, make_dielectron
    from ..features import LorentzInvariants
    from ..plotting import mass_spectrum, residuals_vs_truth

    columns = [*DIELECTRON_FEATURES, "M"]
    if run.data is not None:
        df = _read_file(run, columns, "the CMS dielectron/dimuon schema")
        df = df[np.isfinite(df["M"])]
        source = f"`{run.data}` ({len(df):,} events)"
    else:
        df = make_dielectron(run.n(30_000, 3_000), random_state=run.random_state)
        source = f"{len(df):,} events of `make_dielectron(random_state={run.random_state})`"
    train, test = _split(df, 0.25, run.random_state)
    X, y = train[DIELECTRON_FEATURES], train["M"].to_numpy()
    epochs = 3 if run.quick else 30
    copies = min(_AUG_COPIES, epochs)  # copies x epochs: about the raw network's batch steps
    aug_epochs = epochs // copies
    # training events only: rotated, reflected, exchanged, charge-conjugated and boosted
    # copies that keep the mass (the test events stay as they are)
    X_aug, y_aug = augment_pair_symmetries(
        X, y, n_copies=copies, boost=_AUG_BOOST, random_state=run.random_state
    )
    inv_epochs = 5 if run.quick else 150
    trees = 10 if run.quick else 300
    rs = run.random_state
    scheduled = dict(patience=None, validation_fraction=0.1, lr_schedule="cosine",
                     weight_decay=0.0, random_state=rs)  # fmt: skip
    models = {
        _RAW_NET: make_pipeline(StandardScaler(), ShallowMassRegressor(
            batch_size=32, learning_rate=1e-3, max_epochs=epochs, standardize_target=False,
            **scheduled)),
        # no internal validation split: drawn from the copies, it would hold out copies of
        # events it trains on (the loss is only recorded here, patience=None)
        _AUG_NET: make_pipeline(StandardScaler(), ShallowMassRegressor(
            batch_size=32, learning_rate=1e-3, max_epochs=aug_epochs, standardize_target=False,
            **{**scheduled, "validation_fraction": 0.0})),
        "ShallowMassRegressor + LorentzInvariants": make_pipeline(
            LorentzInvariants(), StandardScaler(), ShallowMassRegressor(
                (64, 64), batch_size=256, learning_rate=2e-3, max_epochs=inv_epochs,
                **scheduled)),
        "XGBoost": xgboost_model("regressor", n_estimators=trees, random_state=rs),
        "random forest": random_forest("regressor", n_estimators=10 if run.quick else 50,
                                       min_samples_leaf=2, oob_score=False, random_state=rs),
        "decision tree (depth 3)": decision_tree("regressor", random_state=rs),
        "sklearn MLPRegressor (same network)": make_pipeline(StandardScaler(), MLPRegressor(
            hidden_layer_sizes=(140, 64, 26, 18), batch_size=32, learning_rate_init=1e-3,
            max_iter=epochs, random_state=rs)),
    }  # fmt: skip
    data = {_AUG_NET: (X_aug, y_aug)}
    seconds = fit_all(models, lambda name, model: model.fit(*data.get(name, (X, y))), run.progress)
    y_test = test["M"].to_numpy()
    preds = {name: model.predict(test[DIELECTRON_FEATURES]) for name, model in models.items()}

    rows = {}
    for name, pred in preds.items():
        residual = pred - y_test
        q16, q84 = np.percentile(residual, [16, 84])
        row = {"RMSE": np.sqrt(np.mean(residual**2)), "68% half-width": (q84 - q16) / 2}
        for window, (lo, hi) in _MASS_WINDOWS.items():
            sel = (y_test >= lo) & (y_test <= hi)
            row[f"RMSE {window}"] = np.sqrt(np.mean(residual[sel] ** 2)) if sel.any() else np.nan
        rows[name] = {**row, "train [s]": seconds[name]}
    table = pd.DataFrame(rows).T.rename_axis("method")
    table = with_ratios(table, _RAW_NET, ["RMSE", "68% half-width", "train [s]"])

    report = Report(
        "Dielectron mass regression",
        "The invariant mass M of the lepton pair regressed from the 16 lepton features "
        "(energies, momenta, eta, phi, charges), on held-out test events (25%).",
        source,
        {"events (train / test)": f"{len(train):,} / {len(test):,}", "quick": run.quick,
         "network epochs (raw / augmented / invariants)": f"{epochs} / {aug_epochs} / {inv_epochs}",
         "augmented copies per training event": f"{copies} (transverse boosts up to "
                                                 f"rapidity {_AUG_BOOST})",
         "trees (XGBoost)": trees,
         "random_state": rs},
    )  # fmt: skip
    report.add(
        "RMSE on test events [GeV]",
        "RMSE is dominated by a few tail events; the 68% half-width (half the central 68% "
        "interval of predicted - true) is the tail-robust resolution. `/ ref`: the method's "
        f"value over {_RAW_NET}'s (which sees the same raw inputs as the baselines); "
        "below 1 is a smaller error or a faster training. – : no test events in the window.",
        table,
    )
    fig, ax = _figure()
    mass_spectrum(y_test, {n: preds[n] for n in list(preds)[:3]}, ax=ax)
    report.add("Mass spectrum, true and predicted", image=run.save(fig, "mass_spectrum.png"))
    fig, ax = _figure()
    for name, pred in preds.items():
        residuals_vs_truth(y_test, pred, ax=ax, label=name, bins=20)
    ax.set_ylim(-5, 5)
    report.add("Residuals against the true mass (median, central 68%)",
               image=run.save(fig, "mass_residuals.png"))  # fmt: skip
    return report


# ----------------------------------------------------------------------------------------
# parameterized: X -> ttbar, one network for all masses vs one per mass

_PNN = "ParameterizedNNClassifier"
_PLAIN = "plain NN per mass"


def _parameterized(run):
    from .. import ParameterizedNNClassifier
    from ..baselines import adaboost_bdt, xgboost_model
    from ..datasets import TTBAR_FEATURES, make_ttbar_resonance
    from ..metrics import metrics_by_parameter
    from ..plotting import metric_vs_parameter, roc_curves

    features = [*TTBAR_FEATURES, "mass"]
    if run.data is not None:
        df = _read_file(run, [*features, "label"], "the make_ttbar_resonance schema")
        train, test = _split(df, 0.3, run.random_state, stratify=df["label"])
        masses = tuple(np.unique(df.loc[df["label"] == 1, "mass"]).tolist())
        if not masses or df["label"].nunique() != 2:
            raise CLIError(f"{run.data.name}: the label column needs signal (1) and background (0)")
        source = f"`{run.data}` ({len(df):,} events, 70/30 split)"
    else:
        masses = (500.0, 750.0, 1000.0, 1250.0, 1500.0)
        n = run.n(40_000, 1_500)
        train = make_ttbar_resonance(n // 2 // len(masses), n // 2, masses,
                                     random_state=run.random_state)  # fmt: skip
        test = make_ttbar_resonance(n // 4 // len(masses), n // 4 // len(masses), masses,
                                    random_state=run.random_state + 1)  # fmt: skip
        source = (f"`make_ttbar_resonance`: {len(train):,} training events (half signal, spread "
                  f"over {len(masses)} masses) and {len(test):,} test events")  # fmt: skip
    rs = run.random_state
    network = dict(hidden_layer_sizes=(16,) if run.quick else (64, 64, 64), learning_rate=1e-3,
                   weight_decay=1e-4, batch_size=256, max_epochs=3 if run.quick else 40,
                   patience=8, validation_fraction=0.2, random_state=rs)  # fmt: skip
    trees = 10 if run.quick else 300

    def pnn():
        return ParameterizedNNClassifier(**network, param_columns="mass",
                                         background_params="random")  # fmt: skip

    def plain():
        return ParameterizedNNClassifier(**network, param_columns=None, class_weight="balanced")

    models = {
        _PNN: pnn(),
        "XGBoost (mass as input)": xgboost_model(n_estimators=trees, random_state=rs),
        "fast BDT (mass as input)": adaboost_bdt(fast=True, n_estimators=trees, random_state=rs),
        **{(_PLAIN, m): plain() for m in masses},
    }
    y = train["label"].to_numpy()

    def fit(name, model):
        if isinstance(name, tuple):  # one plain network per mass: that signal vs background
            rows = (y == 0) | (train["mass"].to_numpy() == name[1])
            model.fit(train.loc[rows, TTBAR_FEATURES], y[rows])
        else:
            model.fit(train[features], y)

    seconds = fit_all(models, fit, run.progress)
    seconds[_PLAIN] = sum(s for name, s in seconds.items() if isinstance(name, tuple))

    samples = {m: _at_mass(test, m) for m in masses}
    scores = {}  # method -> mass -> (y_true, score)
    for name, model in models.items():
        if isinstance(name, tuple):
            t = samples[name[1]]
            scores.setdefault(_PLAIN, {})[name[1]] = (
                t["label"].to_numpy(), model.predict_proba(t[TTBAR_FEATURES])[:, 1])
        else:
            scores[name] = {m: (t["label"].to_numpy(), model.predict_proba(t[features])[:, 1])
                            for m, t in samples.items()}  # fmt: skip
    per_mass = {}
    for method, by_mass in scores.items():
        y_true = np.concatenate([v[0] for v in by_mass.values()])
        score = np.concatenate([v[1] for v in by_mass.values()])
        mass = np.concatenate([np.full(len(v[0]), m) for m, v in by_mass.items()])
        per_mass[method] = metrics_by_parameter(y_true, score, mass)
    auc = pd.DataFrame({method: t["roc_auc"] for method, t in per_mass.items()})
    auc.index = [f"{m:g}" for m in auc.index]
    auc_table = auc.T.rename_axis("method")
    auc_table.columns = [f"AUC {m} GeV" for m in auc.index]
    summary = pd.DataFrame({
        "mean AUC": auc.mean(),
        **{f"mean {label}": pd.DataFrame({k: t[metric] for k, t in per_mass.items()}).mean()
           for metric, label in (("accuracy", "accuracy"), ("cohen_kappa", "Cohen's kappa"))},
        "train [s]": pd.Series({k: seconds[k] for k in per_mass}),
    }).rename_axis("method")  # fmt: skip
    summary = with_ratios(summary, _PNN, ["mean AUC", "train [s]"])

    report = Report(
        "Parameterized network for a resonance search (X -> ttbar)",
        "One ParameterizedNNClassifier trained on every signal mass with the mass hypothesis "
        "as an input, against one plain network per mass and boosted trees given the mass as a "
        "feature. Each mass is tested on its own balanced sample: the test signal at that mass "
        "and as many background events, scored at that hypothesis.",
        source,
        {"masses [GeV]": ", ".join(f"{m:g}" for m in masses),
         "network": f"{network['hidden_layer_sizes']}, up to {network['max_epochs']} epochs, "
                    f"patience {network['patience']}",
         "trees (XGBoost, fast BDT)": trees, "quick": run.quick, "random_state": rs},
    )  # fmt: skip
    report.add("Summary over the masses",
               f"`/ ref`: the method's value over the {_PNN}'s. `{_PLAIN}` times all "
               f"{len(masses)} networks.", summary)  # fmt: skip
    report.add("ROC AUC per signal mass", table=auc_table, floatfmt=".4f")

    held_out = masses[len(masses) // 2] if len(masses) >= 3 else None
    if held_out is not None:
        seen = (y == 0) | (train["mass"].to_numpy() != held_out)
        with_out = pnn().fit(train.loc[seen, features], y[seen])
        t = samples[held_out]
        y_true = t["label"].to_numpy()
        interp = {
            f"{_PNN} trained without {held_out:g} GeV": with_out.predict_proba(t[features])[:, 1],
            f"{_PNN} trained on all masses": scores[_PNN][held_out][1],
            f"plain NN trained at {held_out:g} GeV only": scores[_PLAIN][held_out][1],
        }
        from ..metrics import roc_auc_hep

        table = pd.DataFrame({f"AUC at {held_out:g} GeV": {k: roc_auc_hep(y_true, s)
                                                            for k, s in interp.items()}})
        table.index.name = "network"
        report.add(
            f"Interpolation to {held_out:g} GeV",
            "The parameterized network trained without the signal at this mass, scored at it, "
            "against networks that saw it.",
            table, floatfmt=".4f",
        )  # fmt: skip
    fig, axes = _figure(2, 8.0)
    metric_vs_parameter(auc.set_axis(list(masses)), "roc_auc", ax=axes[0],
                        xlabel="signal mass hypothesis [GeV]")  # fmt: skip
    roc_at = held_out if held_out is not None else masses[0]
    roc_curves({name: by_mass[roc_at] for name, by_mass in scores.items()}, ax=axes[1])
    axes[1].set_title(f"{roc_at:g} GeV")
    report.add("ROC AUC against the mass, ROC curves at one mass",
               image=run.save(fig, "parameterized_auc.png"))  # fmt: skip
    return report


def _at_mass(test, mass):
    """Test signal at ``mass`` and as many background events, all with that hypothesis."""
    sig = test[(test["label"] == 1) & (test["mass"] == mass)]
    bkg = test[test["label"] == 0].iloc[: len(sig)].assign(mass=float(mass))
    return pd.concat([sig, bkg], ignore_index=True)


# ----------------------------------------------------------------------------------------
# shaking: gradient-free AUC training

_SHAKING = "AUCShakingClassifier (AUC)"


def _shaking(run):
    from .. import AUCShakingClassifier, ParameterizedNNClassifier
    from ..baselines import xgboost_model
    from ..metrics import background_rejection_at, roc_auc_hep, separation_power
    from ..plotting import roc_curves

    if run.data is not None:
        (X, y), (X_test, y_test) = _higgs_uci(run)
        source = f"UCI HIGGS in `{run.data}`: {len(X):,} training and {len(X_test):,} test events"
    else:
        from ..datasets import TTBAR_FEATURES, make_ttbar_resonance

        n = run.n(10_000, 1_500)
        train = make_ttbar_resonance(n // 2, n - n // 2, 750.0, random_state=run.random_state)
        test = make_ttbar_resonance(n // 4, n // 4, 750.0, random_state=run.random_state + 1)
        X, y = train[TTBAR_FEATURES], train["label"].to_numpy()
        X_test, y_test = test[TTBAR_FEATURES], test["label"].to_numpy()
        source = (f"`make_ttbar_resonance` at 750 GeV against SM ttbar: {len(X):,} training and "
                  f"{len(X_test):,} test events, 27 features")  # fmt: skip
    rs = run.random_state
    hidden = (25,)
    shakes = dict(n_shakes=5, n_restarts=1) if run.quick else dict(n_shakes=200, n_restarts=2)
    models = {
        _SHAKING: AUCShakingClassifier(hidden, objective="roc_auc", population_size=32,
                                       random_state=rs, **shakes),
        "same network, cross-entropy": ParameterizedNNClassifier(
            hidden, activation="tanh", param_columns=None, class_weight="balanced",
            batch_size=64, learning_rate=3e-3, max_epochs=3 if run.quick else 100, patience=10,
            random_state=rs),
        "XGBoost": xgboost_model(n_estimators=10 if run.quick else 300, random_state=rs),
    }  # fmt: skip
    seconds = fit_all(models, lambda name, model: model.fit(X, y), run.progress)
    scores = {name: model.predict_proba(X_test)[:, 1] for name, model in models.items()}
    table = pd.DataFrame({
        name: {"ROC AUC": roc_auc_hep(y_test, s),
               "bkg rejection at 50% sig. eff.": background_rejection_at(y_test, s, 0.5),
               "separation <S^2>": separation_power(y_test, s),
               "train [s]": seconds[name]}
        for name, s in scores.items()
    }).T.rename_axis("method")  # fmt: skip
    table = with_ratios(table, _SHAKING, ["ROC AUC", "train [s]"])

    shaker = models[_SHAKING]
    report = Report(
        "Gradient-free AUC training (AUCShakingClassifier)",
        "A 25-neuron tanh network trained without gradients on the ROC AUC itself (population "
        "shakes), against the same network trained with binary cross-entropy and against "
        "XGBoost, on held-out test events.",
        source,
        {"network": f"{hidden} tanh", **shakes,
         "population size": 32, "quick": run.quick, "random_state": rs},
    )  # fmt: skip
    report.add("Test metrics",
               f"`/ ref`: the method's value over the {_SHAKING}'s. Background rejection is "
               "1 - eff_B at 50% signal efficiency; <S^2> is TMVA's separation power of the "
               "predicted probabilities.", table, floatfmt=".4f")  # fmt: skip
    fig, axes = _figure(2, 9.5)
    roc_curves({name: (y_test, s) for name, s in scores.items()}, ax=axes[0])
    history = shaker.objective_history_
    for restart, part in history.groupby("restart"):
        for column, style in (("train_objective", "-"), ("valid_objective", "--")):
            if column in part:
                axes[1].plot(part["shake"], part[column], style,
                             label=f"restart {restart}, {column.split('_')[0]}")  # fmt: skip
    axes[1].set_xlabel("shake")
    axes[1].set_ylabel("ROC AUC")
    axes[1].legend(fontsize="small")
    report.add("ROC curves; the shaker's AUC per shake", image=run.save(fig, "shaking.png"))
    return report


def _higgs_uci(run):
    from ..io import read_higgs_uci

    folder = run.data / "higgs_uci" if (run.data / "higgs_uci").is_dir() else run.data
    files = [folder / f"lightgbm_binary.{part}.tsv" for part in ("train", "test")]
    if not run.data.is_dir() or not all(f.exists() for f in files):
        raise CLIError(
            f"--data {str(run.data)!r}: compare shaking reads the folder holding higgs_uci/ "
            "(lightgbm_binary.train.tsv and .test.tsv, the UCI HIGGS rows)"
        )
    return read_higgs_uci(files[0], run.events), read_higgs_uci(files[1])


# ----------------------------------------------------------------------------------------
# recoil: W -> mu nu hadronic recoil

_DNN = "RecoilDNNRegressor"
_RAW_SUM = "raw recoil sum"
_PT_BINS = [0, 5, 10, 20, 30, 50, 80, np.inf]
_MU_BINS = [0, 20, 30, 40, 50, np.inf]


def _recoil(run):
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .. import RecoilDNNRegressor
    from ..baselines import xgboost_model
    from ..datasets import W_RECOIL_FEATURES, W_RECOIL_TARGETS, make_w_recoil
    from ..metrics import recoil_metrics_by_bin, recoil_resolution, recoil_response
    from ..plotting import recoil_resolution_plot, recoil_response_plot

    columns = [*W_RECOIL_FEATURES, *W_RECOIL_TARGETS]
    if run.data is not None:
        df = _read_file(run, columns, "the make_w_recoil schema (38 inputs, ux, uy)")
        source = f"`{run.data}` ({len(df):,} events)"
    else:
        df = make_w_recoil(run.n(60_000, 3_000), random_state=run.random_state)
        source = f"{len(df):,} events of `make_w_recoil(random_state={run.random_state})`"
    train, test = _split(df, 0.2, run.random_state)
    u_test = test[W_RECOIL_TARGETS].to_numpy(float)
    keep = np.hypot(u_test[:, 0], u_test[:, 1]) > 0  # the recoil direction must exist
    test, u_test = test[keep], u_test[keep]
    X, Y = train[W_RECOIL_FEATURES], train[W_RECOIL_TARGETS]
    rs = run.random_state
    epochs = 3 if run.quick else 100
    models = {
        _DNN: RecoilDNNRegressor(max_epochs=epochs, patience=10, max_time=None if run.quick else 45,
                                 random_state=rs),
        "XGBoost (2 outputs)": xgboost_model("regressor", n_estimators=10 if run.quick else 300,
                                             random_state=rs),
        "sklearn MLPRegressor": make_pipeline(StandardScaler(), MLPRegressor(
            hidden_layer_sizes=(256, 256, 256), early_stopping=True,
            max_iter=epochs if run.quick else 15, random_state=rs)),
    }  # fmt: skip
    seconds = fit_all(models, lambda name, model: model.fit(X, Y), run.progress)
    preds = {name: np.asarray(m.predict(test[W_RECOIL_FEATURES])) for name, m in models.items()}
    preds[_RAW_SUM] = test[["recoil_all_x", "recoil_all_y"]].to_numpy(float)
    seconds[_RAW_SUM] = 0.0

    above = np.hypot(u_test[:, 0], u_test[:, 1]) > 20
    rows = {}
    for name, pred in preds.items():
        s_par, s_perp = recoil_resolution(u_test, pred, correct_response=True)
        rows[name] = {"response": recoil_response(u_test, pred),
                      "response, pT > 20 GeV": recoil_response(u_test[above], pred[above]),
                      "sigma_par / R": s_par, "sigma_perp / R": s_perp,
                      "train [s]": seconds[name]}  # fmt: skip
    table = pd.DataFrame(rows).T.rename_axis("method")
    table = with_ratios(table, _DNN, ["sigma_par / R", "sigma_perp / R"])

    report = Report(
        "Hadronic recoil in W -> mu nu",
        "The true recoil (ux, uy) = -pT(W) regressed from 38 particle-flow inputs, against the "
        "raw vector sum of the particle-flow objects. On the true recoil axis: response "
        "R = <u_par>/<pT_true>; resolutions of u_par - pT_true and u_perp divided by the "
        "response (as in CMS's MET papers, so that a shrunk scale does not look sharper).",
        source,
        {"events (train / test)": f"{len(train):,} / {len(test):,}",
         "DNN": _describe_dnn(models[_DNN]),
         "max epochs": epochs, "quick": run.quick, "random_state": rs},
    )  # fmt: skip
    report.add("All test events (GeV)",
               f"`/ ref`: the method's value over the {_DNN}'s; above 1 is a worse resolution.",
               table)  # fmt: skip
    for label, variable, bins, stem in (("truth pT [GeV]", "pt", _PT_BINS, "pt"),
                                        ("pile-up mu", test["mu"], _MU_BINS, "mu")):  # fmt: skip
        per = {name: recoil_metrics_by_bin(u_test, p, variable, bins, correct_response=True)
               for name, p in preds.items()}  # fmt: skip
        binned = pd.DataFrame({f"{name} sigma_perp / R": t["sigma_perp_corrected"]
                               for name, t in per.items()})  # fmt: skip
        binned.insert(0, f"{_DNN} response", per[_DNN]["response"])
        binned.insert(1, f"{_RAW_SUM} response", per[_RAW_SUM]["response"])
        binned["events"] = per[_RAW_SUM]["n_events"].astype(int)
        binned.index = pd.Index([str(i) for i in binned.index], name=label)
        report.add(f"In bins of {label}", table=binned)
        fig, axes = _figure(3, 7.0)
        recoil_response_plot(per, ax=axes[0], xlabel=label, band=0.02)
        recoil_resolution_plot(per, "parallel", corrected=True, ax=axes[1], xlabel=label)
        recoil_resolution_plot(per, "perp", corrected=True, ax=axes[2], xlabel=label)
        report.add(f"Response and resolutions against {label}",
                   image=run.save(fig, f"recoil_vs_{stem}.png"))  # fmt: skip
    return report


def _describe_dnn(dnn):
    """The recoil network's settings, read from the fitted estimator (its defaults may change)."""
    budget = f", {dnn.max_time:g} s budget" if dnn.max_time else ""
    return (f"{'-'.join(map(str, dnn.hidden_layer_sizes_))} {dnn.activation}, batch_norm="
            f"{dnn.batch_norm}, batch {dnn.batch_size}, {dnn.n_iter_} epochs{budget}")  # fmt: skip


_RUNNERS = {"mass": _mass, "parameterized": _parameterized, "shaking": _shaking, "recoil": _recoil}
