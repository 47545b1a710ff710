"""The examples run end to end at small settings (their numbers are not checked here)."""

import importlib.util
from pathlib import Path

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
