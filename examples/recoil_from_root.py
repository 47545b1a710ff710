"""Hadronic recoil from a ROOT ntuple with jagged collections, through a scikit-learn Pipeline.

Writes generated W -> mu nu events (``make_w_recoil``) as a ROOT TTree the way analysis ntuples
store them: variable-length particle-flow and jet collections (``ChargedPFO_Px[nChargedPFO]``,
``NeutralPFO_Px[...]``, ``Jet_Px[nJet]``, ...) plus per-event branches. Reads it back with uproot
and builds the seed's 38 inputs: the recoil and sum E_T of the charged, neutral and all PFOs
(sums over the collections), the leading jets above 20 GeV and the five leading charged and
neutral PFOs (``skhep_models.io.leading_objects``, zero-padded), the vertex, pile-up and
object counts. Then trains ``StandardScaler + RecoilDNNRegressor`` and prints the response and
resolutions against the raw recoil sum in bins of truth pT. About a minute on 2 CPU cores.

    python examples/recoil_from_root.py [--events 40000] [--root FILE] [--epochs 60]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import awkward as ak
import numpy as np
import pandas as pd
import uproot
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhep_models import RecoilDNNRegressor
from skhep_models.datasets import W_RECOIL_FEATURES, W_RECOIL_TARGETS, make_w_recoil
from skhep_models.io import leading_objects
from skhep_models.metrics import recoil_metrics_by_bin

COLLECTIONS = ("ChargedPFO", "NeutralPFO", "Jet")
FLAT = ["n_vertices", "mu", "ux", "uy"]


def write_ntuple(path, n_events, seed=0):
    """Write the generated events as a TTree (one record collection per object type); return
    the generator's own table of the 38 inputs, to check the rebuilt ones against."""
    table, objects = make_w_recoil(n_events, random_state=seed, return_objects=True)
    branches = {name: ak.zip({"Px": objects[f"{name}_Px"], "Py": objects[f"{name}_Py"]})
                for name in COLLECTIONS}  # fmt: skip
    branches.update({name: objects[name] for name in FLAT})
    with uproot.recreate(path) as f:
        f.mktree("events", {name: a.type.content for name, a in branches.items()})
        f["events"].extend(branches)
    return table


def recoil_inputs(events):
    """The seed's 38 inputs from jagged collections (uproot's arrays of one TTree)."""
    out = {}
    parts = {"charged": "ChargedPFO", "neutral": "NeutralPFO"}
    for tag, name in parts.items():
        px, py = events[f"{name}_Px"], events[f"{name}_Py"]
        out[f"recoil_{tag}_x"], out[f"recoil_{tag}_y"] = ak.sum(px, axis=1), ak.sum(py, axis=1)
        out[f"sumet_{tag}"] = ak.sum(np.hypot(px, py), axis=1)
    for axis in ("x", "y"):
        out[f"recoil_all_{axis}"] = out[f"recoil_charged_{axis}"] + out[f"recoil_neutral_{axis}"]
    out["sumet_all"] = out["sumet_charged"] + out["sumet_neutral"]
    frame = pd.DataFrame({k: ak.to_numpy(v) for k, v in out.items()})
    leading = leading_objects(
        events,
        {"Jet": ["Px", "Py"], "NeutralPFO": ["Px", "Py"], "ChargedPFO": ["Px", "Py"]},
        {"Jet": 2, "NeutralPFO": 5, "ChargedPFO": 5},
        min_pt={"Jet": 20.0},
        counts=True,
    )
    # the seed's column names: jet1_px, neutral1_px, charged1_px, ..., n_jets, n_neutral
    leading.columns = [
        c.replace("NeutralPFO", "neutral").replace("ChargedPFO", "charged").replace("Jet", "jet")
        .replace("_Px", "_px").replace("_Py", "_py").replace("n_jet", "n_jets")
        for c in leading.columns
    ]  # fmt: skip
    frame = pd.concat([frame, leading.reset_index(drop=True)], axis=1)
    for name in ("n_vertices", "mu"):
        frame[name] = ak.to_numpy(events[name])
    return frame[W_RECOIL_FEATURES], pd.DataFrame({t: ak.to_numpy(events[t]) for t in W_RECOIL_TARGETS})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--events", type=int, default=40_000)
    p.add_argument("--root", type=Path, default=None, help="where to write the ntuple (default: a temporary file)")
    p.add_argument("--epochs", type=int, default=60)
    args = p.parse_args(argv)
    path = args.root or Path(tempfile.mkdtemp()) / "w_recoil.root"

    reference = write_ntuple(path, args.events)
    with uproot.open(path) as f:
        tree = f["events"]
        print(f"{path.name}: {tree.num_entries:,} events, branches {', '.join(tree.keys()[:6])}, ...")
        events = tree.arrays([f"{c}_{f}" for c in COLLECTIONS for f in ("Px", "Py")] + FLAT)
    X, Y = recoil_inputs(events)
    same = np.allclose(X.to_numpy(float), reference[W_RECOIL_FEATURES].to_numpy(float), rtol=1e-4, atol=1e-3)
    print(f"38 inputs rebuilt from the jagged branches equal the generator's columns: {same}")

    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.25, random_state=0)
    pipe = make_pipeline(
        StandardScaler(),
        RecoilDNNRegressor(standardize=False, max_epochs=args.epochs, random_state=0),
    )
    pipe.fit(X_train, Y_train)
    u_test = Y_test.to_numpy()
    keep = np.hypot(u_test[:, 0], u_test[:, 1]) > 0
    bins = [0, 10, 20, 40, 80, np.inf]
    tables = {
        "raw sum": recoil_metrics_by_bin(
            u_test[keep], X_test[["recoil_all_x", "recoil_all_y"]].to_numpy()[keep], "pt", bins,
            correct_response=True),
        "DNN": recoil_metrics_by_bin(u_test[keep], pipe.predict(X_test)[keep], "pt", bins,
                                     correct_response=True),
    }  # fmt: skip
    print(f"\nRecoilDNNRegressor: {pipe[-1].n_iter_} epochs on {len(X_train):,} events\n")
    print("| truth pT [GeV] | events | response raw / DNN | sigma_par/R raw / DNN | sigma_perp/R raw / DNN |")
    print("|---|---:|---:|---:|---:|")
    raw, dnn = tables["raw sum"], tables["DNN"]
    for b in raw.index:
        print(f"| {b} | {raw.loc[b, 'n_events']:,} | {raw.loc[b, 'response']:.3f} / {dnn.loc[b, 'response']:.3f} "
              f"| {raw.loc[b, 'sigma_parallel_corrected']:.1f} / {dnn.loc[b, 'sigma_parallel_corrected']:.1f} "
              f"| {raw.loc[b, 'sigma_perp_corrected']:.1f} / {dnn.loc[b, 'sigma_perp_corrected']:.1f} |")
    return {"rebuilt_equal": same, "tables": tables}


if __name__ == "__main__":
    main()
