"""The command line: generate, compare, tune in-process through ``main``, one run through
``python -m skhep_models``, and the user errors (exit code 2, one line on stderr)."""

import json
import subprocess
import sys
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
import uproot

from skhep_models.__main__ import main
from skhep_models.datasets import DIELECTRON_FEATURES, TTBAR_FEATURES, make_dielectron
from skhep_models.io import read_csv, read_root


def run(capsys, *argv):
    """``main(argv)``: (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(capsys, argv, *needles):
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert "error:" in line
    for needle in needles:
        assert needle in line, line


@pytest.fixture(scope="module")
def dielectron_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "dielectron.csv"
    assert main(["generate", "dielectron", "-n", "400", "-o", str(path), "--random-state", "3",
                 "--no-progress"]) == 0  # fmt: skip
    return path


# ---------------------------------------------------------------------------- help


def test_python_dash_m_help_lists_the_subcommands():
    result = subprocess.run([sys.executable, "-m", "skhep_models", "--help"],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "python -m skhep_models" in result.stdout
    for command in ("generate", "compare", "tune"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["generate", "compare", "tune"])
def test_subcommand_help_explains(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    explains = {"generate": "ttbar-resonance", "compare": "benchmarks/", "tune": "BayesSearchCV"}
    assert explains[command] in out


def test_no_subcommand_is_a_usage_error(capsys):
    code, _, err = run(capsys)
    assert code == 2 and "COMMAND" in err


# ---------------------------------------------------------------------------- generate


def test_generate_csv_reads_back_as_the_generator_output(tmp_path, capsys):
    path = tmp_path / "d.csv"
    code, out, _ = run(capsys, "generate", "dielectron", "-n", 300, "-o", path, "--random-state", 1)
    assert code == 0 and "300 dielectron events" in out
    back = read_csv(path)
    expected = make_dielectron(300, random_state=1)
    assert list(back.columns) == list(expected.columns) and len(back) == 300
    np.testing.assert_allclose(back[DIELECTRON_FEATURES], expected[DIELECTRON_FEATURES])


def test_generate_in_chunks_with_a_progress_bar(tmp_path, capsys):
    path = tmp_path / "d.csv"
    code, _, err = run(capsys, "generate", "dielectron", "-n", 250, "-o", path, "--chunk-size", 100,
                       "--random-state", 0)  # fmt: skip
    assert code == 0 and "dielectron -> d.csv" in err  # the tqdm bar
    back = read_csv(path)
    assert len(back) == 250 and not back.duplicated().any()  # each chunk its own seed


def test_generate_ttbar_to_root(tmp_path, capsys):
    path = tmp_path / "t.root"
    code, _, _ = run(capsys, "generate", "ttbar-resonance", "-n", 600, "-o", path, "--masses",
                     "500,1000", "--signal-fraction", 0.5, "--random-state", 0, "--tree", "tt",
                     "--no-progress")  # fmt: skip
    assert code == 0
    back = read_root(path, "tt")
    assert list(back.columns) == [*TTBAR_FEATURES, "mass", "label"] and len(back) == 600
    signal = back[back["label"] == 1]
    assert len(signal) == 300 and set(signal["mass"]) == {500.0, 1000.0}


def test_generate_w_recoil_root_with_jagged_objects(tmp_path, capsys):
    path = tmp_path / "w.root"
    code, _, _ = run(capsys, "generate", "w-recoil", "-n", 150, "-o", path, "--objects",
                     "--mean-pileup", 20, "--chunk-size", 100, "--random-state", 0,
                     "--no-progress")  # fmt: skip
    assert code == 0
    with uproot.open(path) as f:
        tree = f["events"]
        assert tree.num_entries == 150
        arrays = tree.arrays(["nJet", "n_jets", "nChargedPFO", "n_charged", "Jet_Px"], library="np")
    np.testing.assert_array_equal(arrays["nJet"], arrays["n_jets"])
    np.testing.assert_array_equal(arrays["nChargedPFO"], arrays["n_charged"])
    # the flat branches read as a table; the jagged ones are left out
    assert "ux" in read_root(path, "events", ["ux", "uy", "mu"]).columns


def test_generate_parquet(tmp_path, capsys):
    path = tmp_path / "d.parquet"
    argv = ("generate", "dielectron", "-n", 100, "-o", path, "--no-progress")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        assert_user_error(capsys, argv, "pip install pyarrow")
        assert not path.exists()
    else:
        assert run(capsys, *argv)[0] == 0
        assert len(pd.read_parquet(path)) == 100


@pytest.mark.parametrize(
    "argv, needles",
    [
        (["dielectron", "-n", "10", "-o", "{tmp}/d.txt"], ["'.txt'", ".csv, .root, .parquet"]),
        (["dielectron", "-n", "10", "-o", "{tmp}/file.csv/d.csv"], ["is a file, not a folder"]),
        (["dielectron", "-n", "10", "-o", "{tmp}/d.csv", "--objects"], ["w-recoil only"]),
        (["w-recoil", "-n", "10", "-o", "{tmp}/w.csv", "--objects"], [".root"]),
        (["dielectron", "-n", "10", "-o", "{tmp}/d.csv", "--mean-pileup", "20"], ["w-recoil only"]),
        (["ttbar-resonance", "-n", "10", "-o", "{tmp}/t.csv", "--masses", "100"], ["345"]),
        (["dielectron", "-n", "0", "-o", "{tmp}/d.csv"], ["positive"]),
    ],
)
def test_generate_user_errors(tmp_path, capsys, argv, needles):
    (tmp_path / "file.csv").write_text("a\n1\n")
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert_user_error(capsys, ["generate", *argv, "--no-progress"], *needles)
    assert not (tmp_path / "t.csv").exists()  # a failed run leaves no partial file


def test_generate_unknown_sample_is_rejected_by_argparse(tmp_path, capsys):
    code, _, err = run(capsys, "generate", "dimuon", "-n", 10, "-o", tmp_path / "d.csv")
    assert code == 2 and "invalid choice: 'dimuon'" in err


# ---------------------------------------------------------------------------- compare


def _compare(capsys, tmp_path, kind, *extra):
    out = tmp_path / kind
    code, printed, err = run(capsys, "compare", kind, "--quick", "--out", out, "--no-progress",
                             *extra)  # fmt: skip
    assert code == 0, err
    report = (out / "report.md").read_text()
    assert "## Settings" in report and "## Machine" in report and "CPU cores" in report
    assert "/ ref" in report  # ratios to our estimator
    assert report in printed
    pngs = sorted(p.name for p in out.glob("*.png"))
    for png in pngs:  # every plot is linked from the report
        assert f"]({png})" in report
    return report, pngs


def test_compare_mass_quick(tmp_path, capsys):
    report, pngs = _compare(capsys, tmp_path, "mass")
    assert "| ShallowMassRegressor (raw inputs) |" in report and "| XGBoost |" in report
    assert "| ShallowMassRegressor (raw inputs, symmetry-augmented) |" in report
    # --quick trains the raw network 3 epochs: 3 copies for 1 epoch, as many batch steps
    assert "augmented copies per training event | 3 (" in report
    assert "RMSE Z 81-101" in report
    assert pngs == ["mass_residuals.png", "mass_spectrum.png"]


def test_compare_mass_on_a_data_file(tmp_path, capsys, dielectron_csv):
    report, _ = _compare(capsys, tmp_path, "mass", "--data", dielectron_csv, "--events", 300)
    assert "dielectron.csv` (300 events)" in report


def test_compare_parameterized_quick(tmp_path, capsys):
    report, pngs = _compare(capsys, tmp_path, "parameterized", "--events", 1000)
    assert "| ParameterizedNNClassifier |" in report and "| plain NN per mass |" in report
    assert "Interpolation to 1000 GeV" in report and "AUC 1500 GeV" in report
    assert pngs == ["parameterized_auc.png"]


def test_compare_shaking_quick(tmp_path, capsys):
    report, pngs = _compare(capsys, tmp_path, "shaking", "--events", 1000)
    assert "| AUCShakingClassifier (AUC) |" in report and "bkg rejection" in report
    assert pngs == ["shaking.png"]


@pytest.mark.slow
def test_compare_shaking_on_real_higgs(tmp_path, capsys, shared_data):
    report, _ = _compare(capsys, tmp_path, "shaking", "--data", shared_data, "--events", 1000)
    assert "UCI HIGGS" in report and "1,000 training and 500 test events" in report


def test_compare_recoil_quick(tmp_path, capsys):
    report, pngs = _compare(capsys, tmp_path, "recoil", "--events", 2000)
    assert "| RecoilDNNRegressor |" in report and "| raw recoil sum |" in report
    assert pngs == ["recoil_vs_mu.png", "recoil_vs_pt.png"]


@pytest.mark.parametrize(
    "kind, data, needles",
    [
        ("mass", "{tmp}/missing.csv", ["not found"]),
        ("mass", "{tmp}/bad.csv", ["'px1'", "not in bad.csv", "its columns: M, E1"]),
        ("mass", "{tmp}/bad.txt", ["'.txt'"]),
        ("shaking", "{tmp}/bad.csv", ["higgs_uci"]),
    ],
)
def test_compare_data_errors(tmp_path, capsys, kind, data, needles):
    (tmp_path / "bad.csv").write_text("M,E1\n1,2\n")
    (tmp_path / "bad.txt").write_text("M,E1\n1,2\n")
    data = data.format(tmp=tmp_path)
    argv = ["compare", kind, "--quick", "--data", data, "--out", tmp_path / "o"]
    assert_user_error(capsys, argv, *needles)


def test_compare_unwritable_out(tmp_path, capsys):
    (tmp_path / "report").write_text("a file")
    assert_user_error(capsys, ["compare", "mass", "--quick", "--out", tmp_path / "report"],
                      "not a folder")  # fmt: skip


# ---------------------------------------------------------------------------- tune


def test_tune_mass_prints_the_best_point_and_writes_json(tmp_path, capsys, dielectron_csv):
    out = tmp_path / "best.json"
    code, printed, err = run(capsys, "tune", "MASS", "--data", dielectron_csv, "--target", "M",
                             "--features", "E1,px1,py1,pz1", "--features", "E2,px2,py2,pz2",
                             "--n-iter", 2, "--cv", 2, "--max-epochs", 2, "--out", out)  # fmt: skip
    assert code == 0, err
    result = json.loads(out.read_text())
    assert result["estimator"] == "ShallowMassRegressor" and result["space"] == "constrained"
    assert result["features"] == ["E1", "px1", "py1", "pz1", "E2", "px2", "py2", "pz2"]
    assert {"n_layers", "learning_rate"} <= set(result["best_params"])
    assert len(result["candidates"]) == 2 and result["fixed"]["max_epochs"] == 2
    assert np.isfinite(result["best_score"]) and result["scoring"] == "neg_root_mean_squared_error"
    assert "| learning_rate |" in printed and "best neg_root_mean_squared_error" in printed


def test_tune_classifier_with_weights_and_default_features(tmp_path, capsys):
    from skhep_models.datasets import make_ttbar_resonance

    df = make_ttbar_resonance(60, 300, (500, 1000), random_state=0)
    df["w"] = np.where(df["label"] == 1, 0.5, 1.0)
    path = tmp_path / "tt.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "best.json"
    code, _, err = run(capsys, "tune", "parameterized", "--data", path, "--target", "label",
                       "--weight", "w", "--n-iter", 2, "--cv", 2, "--max-epochs", 2,
                       "--no-progress", "--out", out)  # fmt: skip
    assert code == 0, err
    result = json.loads(out.read_text())
    assert result["features"] == [*TTBAR_FEATURES, "mass"]  # not the label nor the weight
    assert result["fixed"]["param_columns"] == ["mass"] and result["weight"] == "w"


def test_tune_runs_inside_the_dask_context(monkeypatch, capsys, dielectron_csv):
    import skhep_models.tuning

    addresses = []

    @contextmanager
    def fake_context(address):
        addresses.append(address)
        yield "<fake client>"

    monkeypatch.setattr(skhep_models.tuning, "dask_search_context", fake_context)
    code, printed, err = run(capsys, "tune", "mass", "--data", dielectron_csv, "--target", "M",
                             "--n-iter", 1, "--cv", 2, "--max-epochs", 1, "--no-progress",
                             "--dask-scheduler", "tcp://scheduler:8786")  # fmt: skip
    assert code == 0, err
    assert addresses == ["tcp://scheduler:8786"] and "Dask: <fake client>" in printed


@pytest.mark.parametrize(
    "argv, needles",
    [
        (["mass", "--data", "{tmp}/missing.csv", "--target", "M"], ["not found"]),
        (["mass", "--data", "{data}", "--target", "Mass"], ["'Mass'", "its columns: Run, Event"]),
        (["mass", "--data", "{data}", "--target", "M", "--features", "E1,E3"], ["'E3'"]),
        (["mass", "--data", "{data}", "--target", "M", "--features", "M"], ["both a feature"]),
        (["bdt", "--data", "{data}", "--target", "M"], ["unknown estimator 'bdt'", "ShallowMass"]),
        (["mass", "--data", "{data}", "--target", "M", "--space", "wide"],
         ["constrained, unconstrained"]),
        (["recoil", "--data", "{data}", "--target", "M", "--space", "seed"], ["has none"]),
        (["mass", "--data", "{tmp}/bad.txt", "--target", "M"], ["'.txt'"]),
        (["mass", "--data", "{data}", "--target", "M", "--out", "{tmp}/best.txt"], [".json"]),
        (["mass", "--data", "{data}", "--target", "M,E1"], ["one --target"]),
        (["shaking", "--data", "{data}", "--target", "M"], ["two classes"]),
        (["mass", "--data", "{data}", "--target", "M", "--scoring", "best"], ["unknown --scoring"]),
        (["mass", "--data", "{data}", "--target", "M", "--cv", "1"], ["--cv must be at least 2"]),
    ],
)  # fmt: skip
def test_tune_user_errors(tmp_path, capsys, dielectron_csv, argv, needles):
    (tmp_path / "bad.txt").write_text("M\n1\n")
    argv = [a.format(tmp=tmp_path, data=dielectron_csv) for a in argv]
    assert_user_error(capsys, ["tune", *argv, "--no-progress"], *needles)


def test_tune_reads_root(tmp_path, capsys):
    path = tmp_path / "d.root"
    assert run(capsys, "generate", "dielectron", "-n", 200, "-o", path, "--no-progress")[0] == 0
    assert_user_error(capsys, ["tune", "mass", "--data", path, "--target", "M", "--tree", "nope"],
                      "no tree 'nope'", "trees: events")  # fmt: skip
    code, printed, err = run(capsys, "tune", "mass", "--data", path, "--target", "M", "--n-iter", 1,
                             "--cv", 2, "--max-epochs", 1, "--no-progress")  # fmt: skip
    assert code == 0, err
    assert "16 features" in printed  # Run and Event are not inputs


def test_tune_unreachable_dask_scheduler(capsys, dielectron_csv):
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert_user_error(capsys, ["tune", "mass", "--data", dielectron_csv, "--target", "M",
                                   "--dask-scheduler", "tcp://127.0.0.1:1", "--no-progress"],
                          "cannot reach the Dask scheduler 'tcp://127.0.0.1:1'")  # fmt: skip


def test_tune_shaking_on_its_seed_grid(tmp_path, capsys):
    from skhep_models.datasets import make_ttbar_resonance

    path = tmp_path / "tt.csv"
    make_ttbar_resonance(200, 200, 750, random_state=0).to_csv(path, index=False)
    code, printed, err = run(capsys, "tune", "shaking", "--data", path, "--target", "label",
                             "--features", "m_jjj,m_wwbb,jet1_pt", "--n-iter", 5, "--cv", 2,
                             "--max-epochs", 3, "--no-progress")  # fmt: skip
    assert code == 0, err
    # n_shakes fixed by --max-epochs: the seed space keeps n_units_1 (3 or 25), two points
    assert "the space has 2 points: searching 2, not 5" in printed
    assert "| n_units_1 |" in printed and "best roc_auc" in printed


def test_tune_recoil_needs_two_targets_for_its_default_scoring(tmp_path, capsys):
    from skhep_models.datasets import make_w_recoil

    path = tmp_path / "w.csv"
    make_w_recoil(300, random_state=0).to_csv(path, index=False)
    assert_user_error(capsys, ["tune", "recoil", "--data", path, "--target", "ux"],
                      "--target ux,uy")  # fmt: skip
    code, printed, err = run(capsys, "tune", "recoil", "--data", path, "--target", "ux,uy",
                             "--n-iter", 1, "--cv", 2, "--max-epochs", 2,
                             "--no-progress")  # fmt: skip
    assert code == 0, err
    assert "38 features, target ux, uy" in printed  # truth_pt is not an input

