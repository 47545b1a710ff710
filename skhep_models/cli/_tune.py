"""``tune``: Bayesian hyper-parameter search of one of our estimators on a data file."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ._common import CLIError, DataTable, check_output_file, markdown_table, progress_bar

__all__ = ["ESTIMATORS", "resolve_estimator", "tune"]

#: estimator -> (lower-case aliases, kinds of its search space, default scoring)
ESTIMATORS = {
    "ShallowMassRegressor": (("mass", "shallowmass"), ("constrained", "unconstrained"),
                             "neg_root_mean_squared_error"),
    "RecoilDNNRegressor": (("recoil", "recoildnn"), (), "recoil_resolution"),
    "ParameterizedNNClassifier": (("parameterized", "pnn", "parameterizednn"), (), "roc_auc"),
    "AUCShakingClassifier": (("shaking", "aucshaking", "shaker"), ("seed", "wide"), "roc_auc"),
}  # fmt: skip
#: Numeric columns left out of the default features: event identifiers and truth.
NOT_FEATURES = ("Run", "Event", "truth_pt")
# scorers of skhep_models.metrics by the names --scoring takes
_OUR_SCORERS = ("recoil_resolution", "roc_auc_hep", "separation_power", "significance")


def resolve_estimator(name):
    """The class name for ``name``: a class name or alias, any case; CLIError otherwise."""
    key = name.strip().lower()
    for cls_name, (aliases, _, _) in ESTIMATORS.items():
        if key == cls_name.lower() or key in aliases:
            return cls_name
    choices = ", ".join(f"{c} ({'/'.join(a)})" for c, (a, _, _) in ESTIMATORS.items())
    raise CLIError(f"unknown estimator {name!r}; choose one of {choices}")


def tune(estimator, data, target, *, features=None, space=None, n_iter=10, cv=3, max_epochs=50,
         scoring=None, weight=None, param_columns=None, dask_scheduler=None, random_state=0,
         out=None, tree=None, progress=True):  # fmt: skip
    """Search the estimator's space with ``BayesSearchCV``; print and return the best point.

    Returns a dict (what ``out`` receives as JSON): the settings, ``best_params``,
    ``best_score`` and every candidate's cross-validated score.
    """
    name = resolve_estimator(estimator)
    aliases, kinds, default_scoring = ESTIMATORS[name]
    if space is not None and space not in kinds:
        raise CLIError(
            f"--space {space!r} is not a variant of {name}'s search space"
            + (f"; choose one of {', '.join(kinds)}" if kinds
               else ", which has none: leave --space out")  # fmt: skip
        )
    limits = (("--n-iter", n_iter, 1), ("--cv", cv, 2), ("--max-epochs", max_epochs, 1))
    for option, value, low in limits:
        if value is not None and value < low:
            raise CLIError(f"{option} must be at least {low}, got {value}")
    if out is not None:
        check_output_file(out, (".json",))

    table = DataTable(data, tree)
    targets = [t for item in target for t in item.split(",") if t]
    table.check(targets, "target column(s)")
    if len(targets) != 1 and name != "RecoilDNNRegressor":
        raise CLIError(
            f"{name} takes one --target column, got {len(targets)}: {', '.join(targets)}"
        )
    weights = [] if weight is None else [weight]
    table.check(weights, "weight column")
    if features is None:
        features = table.numeric_columns(exclude=[*targets, *weights, *NOT_FEATURES])
        if not features:
            raise CLIError(f"{table.path.name} has no numeric column besides the target; "
                           "name the inputs with --features")  # fmt: skip
    else:
        features = [f for item in features for f in item.split(",") if f]
        clash = sorted(set(features) & set(targets + weights))
        if clash:
            raise CLIError(f"{', '.join(clash)} is both a feature and the target or weight")
        table.check(features, "feature column(s)")
    df = table.read([*features, *targets, *weights])
    _check_values(df, table.path.name)

    est, search_space = _estimator_and_space(name, space, max_epochs, random_state,
                                             param_columns, features)  # fmt: skip
    scoring = scoring or default_scoring
    if scoring == "recoil_resolution" and len(targets) != 2:
        raise CLIError(
            "the recoil_resolution scoring compares 2-component recoils: give the two target "
            "columns (--target ux,uy), or choose another --scoring (r2, "
            "neg_root_mean_squared_error)"
        )
    scorer = _scorer(scoring)
    n_iter = _fit_to_grid(search_space, n_iter)
    X = df[features]
    y = df[targets[0]] if len(targets) == 1 else df[targets]
    classifier = name.endswith("Classifier")
    if classifier and y.nunique() != 2:
        raise CLIError(f"{name} separates signal from background: --target {targets[0]} needs two "
                       f"classes, it has {y.nunique()}")  # fmt: skip
    result = _search(est, search_space, X, y, df[weight] if weight else None, scorer,
                     n_iter=n_iter, cv=cv, classifier=classifier, random_state=random_state,
                     dask_scheduler=dask_scheduler, progress=progress)  # fmt: skip
    search, seconds = result
    prefix = "shallowmassregressor__" if name == "ShallowMassRegressor" else ""
    summary = {
        "estimator": name,
        "preprocessing": "StandardScaler" if prefix else None,
        "data": str(table.path),
        "events": len(df),
        "target": targets,
        "features": features,
        "weight": weight,
        "space": space or (kinds[0] if kinds else "default"),
        "fixed": _fixed_params(est, prefix),
        "scoring": scoring,
        "cv": cv,
        "n_iter": n_iter,
        "seconds": round(seconds, 1),
        "best_params": {k.removeprefix(prefix): _plain(v) for k, v in search.best_params_.items()},
        "best_score": _plain(search.best_score_),
        "best_score_std": _plain(search.cv_results_["std_test_score"][search.best_index_]),
        "candidates": [
            {"params": {k.removeprefix(prefix): _plain(v) for k, v in params.items()},
             "mean_score": _plain(mean), "std_score": _plain(std), "mean_fit_seconds": _plain(t)}
            for params, mean, std, t in zip(
                search.cv_results_["params"], search.cv_results_["mean_test_score"],
                search.cv_results_["std_test_score"], search.cv_results_["mean_fit_time"])
        ],
    }  # fmt: skip
    print(_summary_text(summary))
    if out is not None:
        Path(out).expanduser().write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(f"\nwritten to {out}")
    return summary


def _check_values(df, where):
    numeric = df.select_dtypes(include=["number", "bool"])
    text = [c for c in df.columns if c not in numeric.columns]
    if text:
        raise CLIError(f"columns {', '.join(text)} of {where} are not numeric")
    bad = [c for c in df.columns if not np.isfinite(df[c].to_numpy(float)).all()]
    if bad:
        raise CLIError(f"columns {', '.join(bad)} of {where} hold NaN or infinite values; "
                       "clean them first (skhep_models.io.clean_events)")  # fmt: skip


def _estimator_and_space(name, kind, max_epochs, random_state, param_columns, features):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .. import estimators
    from ..tuning import search_space

    params = {"random_state": random_state}
    if name == "AUCShakingClassifier":
        if max_epochs is not None:
            params["n_shakes"] = max_epochs  # its training length; fixed, not searched
    elif max_epochs is not None:
        params["max_epochs"] = max_epochs
    if name == "ParameterizedNNClassifier":
        if param_columns is None:
            param_columns = ["mass"] if "mass" in features else None
        else:
            param_columns = [c for item in param_columns for c in item.split(",") if c]
            missing = [c for c in param_columns if c not in features]
            if missing:
                raise CLIError(f"--param-columns {', '.join(missing)} are not among the features")
        params["param_columns"] = param_columns
    elif param_columns is not None:
        raise CLIError("--param-columns applies to ParameterizedNNClassifier only")
    est = getattr(estimators, name)(**params)
    if name == "ShallowMassRegressor":  # the only estimator that does not standardise its inputs
        est = make_pipeline(StandardScaler(), est)
    space = search_space(est, kind=kind)
    if "n_shakes" in params:
        space.pop("n_shakes")
    return est, space


def _fit_to_grid(space, n_iter):
    """``n_iter``, at most the number of points of a space of categories only."""
    from skopt.space import Categorical

    if all(isinstance(dim, Categorical) for dim in space.values()):
        points = int(np.prod([len(dim.categories) for dim in space.values()]))
        if n_iter > points:
            print(f"the space has {points} points: searching {points}, not {n_iter}")
            return points
    return n_iter


def _scorer(name):
    from sklearn.metrics import get_scorer, get_scorer_names

    from .. import metrics

    if name == "recoil_resolution":
        return metrics.recoil_resolution_scorer()
    if name == "significance":
        return metrics.significance_scorer()
    if name in ("roc_auc_hep", "separation_power"):
        import copy

        return copy.deepcopy(getattr(metrics, f"{name}_scorer"))
    if name not in get_scorer_names():
        raise CLIError(
            f"unknown --scoring {name!r}; use one of {', '.join(_OUR_SCORERS)} (skhep_models) or a "
            "scikit-learn scorer name such as r2, neg_root_mean_squared_error, roc_auc, accuracy"
        )
    return get_scorer(name)


def _search(est, space, X, y, w, scorer, *, n_iter, cv, classifier, random_state,
            dask_scheduler, progress):  # fmt: skip
    import sklearn
    from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold
    from skopt import BayesSearchCV

    fit_params, routing = {}, contextlib.nullcontext()
    if w is None:
        splitter = (StratifiedKFold if classifier else KFold)(
            cv, shuffle=True, random_state=random_state)  # fmt: skip
    else:
        # weights reach each fold's fit and scorer through metadata routing; skopt passes
        # groups on, so the folds are (stratified) group folds of one event per group
        routing = sklearn.config_context(enable_metadata_routing=True)
        splitter = (StratifiedGroupKFold if classifier else GroupKFold)(
            cv, shuffle=True, random_state=random_state)  # fmt: skip
        fit_params = {"sample_weight": w.to_numpy(float), "groups": np.arange(len(X))}
    search = BayesSearchCV(est, space, n_iter=n_iter, cv=splitter, scoring=scorer, refit=False,
                           random_state=random_state, error_score="raise")  # fmt: skip
    start = time.perf_counter()
    with routing, _dask(dask_scheduler), progress_bar(progress, total=n_iter, desc="search",
                                                      unit="point") as bar:  # fmt: skip
        if w is not None:
            steps = est.steps if hasattr(est, "steps") else [(None, est)]
            for _, step in steps:
                step.set_fit_request(sample_weight=True)
            scorer.set_score_request(sample_weight=True)

        def tick(result):
            bar.update()
            return False  # go on (True would stop the search)

        try:
            search.fit(X, y, callback=tick, **fit_params)
        except ValueError as exc:  # the estimators' input checks say what is wrong with the data
            raise CLIError(f"the search failed: {exc}") from None
    return search, time.perf_counter() - start


def _dask(address):
    """A context that runs the search's joblib work on Dask (entered here), or a null one."""
    stack = contextlib.ExitStack()
    if address is None:
        return stack
    from ..tuning import dask_search_context

    try:
        client = stack.enter_context(dask_search_context(None if address == "local" else address))
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    except (OSError, TimeoutError) as exc:
        raise CLIError(f"cannot reach the Dask scheduler {address!r}: {exc}") from None
    print(f"Dask: {client}", flush=True)
    return stack


def _fixed_params(est, prefix):
    model = est.steps[-1][1] if prefix else est
    keys = ("max_epochs", "n_shakes", "param_columns", "random_state")
    params = model.get_params()
    return {k: _plain(params[k]) for k in keys if k in params}


def _plain(value):
    """A JSON-ready Python value (numpy scalars and arrays to numbers and lists)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, tuple)):
        return [_plain(v) for v in value]
    return value


def _summary_text(summary):
    best = pd.DataFrame({"value": [f"{v:.4g}" if isinstance(v, float) else str(v)
                                   for v in summary["best_params"].values()]},
                        index=pd.Index(list(summary["best_params"]), name="parameter"))  # fmt: skip
    head = (
        f"BayesSearchCV of {summary['estimator']}"
        + (f" (after a {summary['preprocessing']})" if summary["preprocessing"] else "")
        + f" on {summary['events']:,} events of {Path(summary['data']).name}: "
        f"{len(summary['features'])} features, target {', '.join(summary['target'])}"
        + (f", weights {summary['weight']}" if summary["weight"] else "")
        + f"; space {summary['space']!r}, {summary['n_iter']} points, {summary['cv']}-fold CV, "
        f"fixed {summary['fixed']}, {summary['seconds']:.0f} s"
    )
    score = (f"best {summary['scoring']}: {summary['best_score']:.5g} "
             f"+- {summary['best_score_std']:.2g} (mean +- std over the folds)")  # fmt: skip
    return "\n".join([head, "", markdown_table(best), "", score])
