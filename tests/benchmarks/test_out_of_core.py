"""benchmarks/out_of_core.py runs end to end in --quick mode (its numbers are not checked here)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "out_of_core.py"


@pytest.mark.slow
def test_out_of_core_quick_run_prints_the_table_and_targets(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_out_of_core", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.main(["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "| fit_stream (ROOT, chunked) | 200,000 |" in out and "### Targets" in out
    assert {"ttbar_train.root", "ttbar_test.root"} <= {p.name for p in tmp_path.iterdir()}
    assert [r["training"] for r in rows] == ["fit (in memory)", "fit_stream (ROOT, chunked)",
                                             "fit (in memory)"]  # fmt: skip
    stream = rows[1]
    assert 0 < stream["peak_rss_gb"] < 3 and stream["events_per_s"] > 0
    assert all(r["test_auc"] > 0.8 for r in rows)
