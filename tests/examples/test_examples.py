"""The examples run end to end at small settings (their numbers are not checked here)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_ship_style_pipeline_on_real_higgs(shared_data, tmp_path, capsys):
    import matplotlib.pyplot as plt

    out = tmp_path / "ship.png"
    result = _load("ship_style_pipeline").main(["--data", str(shared_data), "--out", str(out), "--epochs", "3"])
    plt.close("all")
    printed = capsys.readouterr().out
    assert "| SHiP-style NN (25-20, dropout) |" in printed and "| XGBoost |" in printed
    assert "threshold for 80% signal efficiency" in printed
    assert out.exists()
    # even 3 epochs learn something on HIGGS; the two AUCs are printed side by side
    assert 0.6 < result["auc"] <= 1 and 0.6 < result["xgb_auc"] <= 1


@pytest.mark.slow
def test_shaking_grid_search_on_real_higgs(shared_data, capsys):
    result = _load("shaking_grid_search").main(
        ["--data", str(shared_data), "--shakes", "2", "3", "--restarts", "1", "--train-events", "600"]
    )
    printed = capsys.readouterr().out
    assert "| hidden layers | shakes | mean CV AUC | std | mean fit time [s] | rank |" in printed
    for hidden in ("(3,)", "(25,)"):
        for shakes in (2, 3):
            assert f"| {hidden} | {shakes} |" in printed
    assert "test AUC" in printed and "SeparationPowerSelector kept" in printed
    assert len(result["cv_results"]) == 4
    assert 0 <= result["test_auc"] <= 1


@pytest.mark.slow
def test_recoil_from_root_rebuilds_the_inputs_and_trains(tmp_path, capsys):
    result = _load("recoil_from_root").main(
        ["--events", "3000", "--epochs", "3", "--root", str(tmp_path / "w.root")]
    )
    printed = capsys.readouterr().out
    # the 38 inputs built from the jagged branches are the generator's own columns
    assert result["rebuilt_equal"]
    assert "branches nChargedPFO, ChargedPFO_Px" in printed
    assert "| truth pT [GeV] | events |" in printed and (tmp_path / "w.root").exists()
    assert set(result["tables"]) == {"raw sum", "DNN"}


@pytest.mark.slow
def test_demo_mass_regression_prints_the_method_table(capsys):
    _load("demo_mass_regression").main(["--events", "2000", "--epochs", "1"])
    printed = capsys.readouterr().out
    assert "| model | RMSE all [GeV] | RMSE J/psi 2.9-3.3 [GeV] |" in printed
    for model in ("ShallowMassRegressor (seed recipe)", "XGBoost (500 trees, depth 6)",
                  "sklearn MLPRegressor (same net)", "ShallowMassRegressor + LorentzInvariants"):
        assert f"| {model} |" in printed


@pytest.mark.slow
def test_dielectron_mass_searches_and_plots_generated_events(tmp_path, capsys):
    import matplotlib.pyplot as plt

    out = tmp_path / "mass.png"
    # an empty --data folder: the example falls back to generated events through a CSV
    result = _load("dielectron_mass").main(
        ["--data", str(tmp_path), "--out", str(out), "--n-iter", "2", "--epochs", "2", "--events", "1500"]
    )
    plt.close("all")
    printed = capsys.readouterr().out
    assert result["source"] == "generated dielectrons" and "test RMSE" in printed
    # --events: 75 % of the 1500 generated events train (none are duplicates or NaN)
    assert "generated dielectrons: 1,125 training and 375 test events" in printed
    # --n-iter and --epochs reach the search and its networks
    assert len(result["search"].cv_results_["params"]) == 2
    assert result["search"].best_estimator_[-1].max_epochs == 2
    assert np.isfinite(result["rmse"]) and out.exists()
