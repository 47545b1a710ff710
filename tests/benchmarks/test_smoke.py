"""The benchmark scripts run end to end at tiny sizes (their numbers are not checked here)."""

import importlib.util
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_training_speed_prints_table_and_targets(capsys):
    _load("training_speed").main(["--events", "3000", "--repeats", "1", "--batch-sizes", "256"])
    out = capsys.readouterr().out
    assert "| (a) ShallowMassRegressor |" in out and "| (c) sklearn MLPRegressor |" in out
    row = next(line for line in out.splitlines() if line.startswith("| (a) >= 1.5x (b), batch 256 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    # ratio and verdict for the median and for the best run
    assert len(cells) == 5 and cells[2] in ("yes", "NO") and cells[4] in ("yes", "NO")


@pytest.mark.slow
def test_mass_regression_quick_run_writes_tables_and_plots(tmp_path, capsys):
    import matplotlib.pyplot as plt

    _load("mass_regression").main(["--quick", "--out", str(tmp_path), "--data", str(tmp_path)])
    plt.close("all")
    out = capsys.readouterr().out
    assert "RMSE [GeV] on generated test events" in out and "### Targets" in out
    assert "real CMS dimuons not found" in out  # --data points at an empty folder
    assert {"spectrum_generated.png", "residuals_generated.png", "time_vs_parameters.png"} <= {
        p.name for p in tmp_path.iterdir()
    }


@pytest.mark.slow
def test_bdt_speed_small_run(tmp_path, capsys):
    # an empty --data folder skips the real HIGGS part (sklearn's AdaBoost on 7k events)
    _load("bdt_speed").main(["--events", "2000", "--repeats", "1", "--data", str(tmp_path)])
    out = capsys.readouterr().out
    assert "HistAdaBoostClassifier" in out


@pytest.mark.slow
def test_parameterized_comparison_quick_run_writes_tables_and_plots(tmp_path, capsys):
    import matplotlib.pyplot as plt

    table, aucs = _load("parameterized_comparison").main(["--quick", "--out", str(tmp_path)])
    plt.close("all")
    out = capsys.readouterr().out
    assert "### Interpolation to 1000 GeV" in out and "### Targets" in out
    # every method has a row at every mass, and the two interpolation networks are compared
    assert table.groupby("method")["mass"].nunique().eq(5).all() and table["method"].nunique() == 6
    assert len(aucs) == 2
    assert {"auc_vs_mass.png", "roc_500_1000.png"} <= {p.name for p in tmp_path.iterdir()}


@pytest.mark.slow
def test_shaking_quick_run_on_the_real_samples(shared_data, capsys):
    table, speed = _load("shaking").main(["--quick", "--data", str(shared_data)])
    out = capsys.readouterr().out
    assert "### One population evaluation" in out and "### Targets" in out
    assert set(table["sample"]) == {"UCI HIGGS", "ATLAS H->tautau"}
    assert table["test AUC"].between(0.5, 1).all()
    # the shaking rows carry the alpha chosen on validation (among --quick's 0 and 1)
    shaking = table["method"].str.startswith("AUC shaking")
    assert table.loc[shaking, "alpha"].isin([0.0, 1.0]).all() and table.loc[~shaking, "alpha"].isna().all()
    # AMS only where there are physics weights
    assert table.loc[table["sample"] == "ATLAS H->tautau", "AMS"].notna().all()
    assert set(speed) == {"vectorised population", "naive loop + roc_auc_score"}


@pytest.mark.slow
def test_recoil_quick_run_writes_tables_and_plots(tmp_path, capsys):
    import matplotlib.pyplot as plt

    _load("recoil").main(["--quick", "--out", str(tmp_path)])
    plt.close("all")
    out = capsys.readouterr().out
    assert "### All test events" in out and "### Targets" in out
    for name in ("raw recoil sum", "RecoilDNNRegressor, seed settings", "RecoilDNNRegressor, flat truth prior",
                 "RecoilDNNRegressor, flat prior + response loss, ReLU",
                 "XGBoost (2 outputs)", "sklearn MLPRegressor"):
        assert f"| {name} |" in out
    assert "| inputs | lr | common loss |" in out and out.count("| standardised |") == 2
    assert {"recoil_vs_pt.png", "recoil_vs_mu.png", "batchnorm_loss_vs_time.png"} <= {
        p.name for p in tmp_path.iterdir()
    }


@pytest.mark.slow
def test_generative_quick_run_compares_generators_and_writes_plots(tmp_path, capsys):
    results = _load("generative").main(["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "### Targets" in out and "two-sample AUC" in out
    table, best = results["ttbar"]
    assert {"independent resampling", "multivariate Gaussian"} <= set(table.index)
    assert best.startswith("VAE") and table["events/s"].gt(0).all()
    assert "ttbar_histograms.png" in {p.name for p in tmp_path.iterdir()}


def test_linear_backends_prints_the_per_shape_table(capsys):
    from skhep_models.nn import _fused

    if _fused._DNN_LINEAR is None:
        pytest.skip("no oneDNN products on this machine (not AVX-512, or no such op)")
    _load("linear_backends").main(["--threads", "1", "--batch-sizes", "32"])
    out = capsys.readouterr().out
    assert "| 140x64 | 32 | 0.57 |" in out and "bold: the backend the fused MLP picks." in out
    # at batch 32 every product of the seed layer stays with MKL (bold on the left)
    row = next(line for line in out.splitlines() if line.startswith("| 140x64 | 32 |"))
    assert row.count("** /") == 3


def test_training_speed_checks_targets_on_medians_and_best_runs(monkeypatch, capsys):
    bench = _load("training_speed")
    events = 4000
    # seconds per full-size run, in call order; (a)'s best run is 3x faster than its median
    times = {name: [1.0, 1.0, 1.0] for name in bench.RUNNERS}
    times[bench.OURS] = [3.0, 1.0, 4.0]
    times[bench.SKLEARN] = [4.0, 4.0, 4.0]

    def fake(name):
        # warm-up runs (2048 events) take no time; full runs pop the next time
        return lambda X, y, bs: times[name].pop(0) if len(X) == events else 0.0

    monkeypatch.setattr(bench, "RUNNERS", {name: fake(name) for name in bench.RUNNERS})
    monkeypatch.setattr(bench, "SETTLE_S", 0.0)
    bench.main(["--events", str(events), "--repeats", "3", "--batch-sizes", "1024"])
    out = capsys.readouterr().out
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| (a) >=")}
    # (c): median 4/3 = 1.33x (missed), best 4/1 = 4x (met); (b): median 1/3, best 1x
    assert rows["(a) >= 2.0x (c), batch 1024"].endswith("| 1.33x | NO | 4.00x | yes |")
    assert rows["(a) >= 1.5x (b), batch 1024"].endswith("| 0.33x | NO | 1.00x | NO |")
    assert f"| {bench.OURS} | {events / 3:,.0f} | 1.00 |" in out  # the events/s table: medians


def test_cpu_contention_restores_affinity_and_threads(monkeypatch, capsys):
    import os

    import torch

    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs CPU affinity and at least two cores")
    bench = _load("cpu_contention")
    cores, threads = os.sched_getaffinity(0), torch.get_num_threads()
    torch.set_num_threads(1)  # so that the loop's own last setting (all cores) is not the start
    try:
        bench.main(["--seconds", "0"])
        out = capsys.readouterr().out
        assert f"| all {len(cores)} cores |" in out and "| core " in out
        assert os.sched_getaffinity(0) == cores and torch.get_num_threads() == 1

        calls = []

        def interrupted(*args):
            calls.append(args)
            if len(calls) == 2:  # in the second core's round, pinned there
                raise KeyboardInterrupt
            return 1.0

        monkeypatch.setattr(bench, "_product_us", interrupted)
        with pytest.raises(KeyboardInterrupt):
            bench.main(["--seconds", "0"])
        assert os.sched_getaffinity(0) == cores and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


def test_cpu_contention_needs_two_cores(monkeypatch):
    import os

    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no CPU affinity on this platform")
    bench = _load("cpu_contention")
    monkeypatch.setattr(bench.os, "sched_getaffinity", lambda pid: {0})
    with pytest.raises(SystemExit, match="at least two cores"):
        bench.main(["--seconds", "0"])
