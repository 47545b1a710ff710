"""The markdown report of ``compare``: settings, machine, tables with ratios, plots."""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd

from ._common import markdown_table, progress_bar

__all__ = ["Report", "fit_all", "with_ratios"]


@dataclass
class Report:
    """One comparison's results: ``sections`` are (heading, text, table or None, image or None)."""

    title: str
    summary: str
    data: str
    settings: dict
    sections: list = field(default_factory=list)

    def add(self, heading, text="", table=None, image=None, floatfmt=".3f"):
        self.sections.append((heading, text, table, image, floatfmt))

    def markdown(self, seconds):
        lines = [f"# {self.title}", "", self.summary, "", f"**Data:** {self.data}", ""]
        for heading, text, table, image, floatfmt in self.sections:
            lines += [f"## {heading}", ""]
            if text:
                lines += [text, ""]
            if table is not None:
                lines += [markdown_table(table, floatfmt), ""]
            if image is not None:
                lines += [f"![{heading}]({image})", ""]
        settings = pd.DataFrame({"value": [str(v) for v in self.settings.values()]},
                                index=pd.Index(list(self.settings), name="setting"))  # fmt: skip
        lines += ["## Settings", "", markdown_table(settings), ""]
        lines += ["## Machine", "", markdown_table(machine(seconds)), ""]
        lines += [
            "This is the quick, user-facing comparison of `python -m skhep_models compare`; the "
            "full studies, with larger samples, time budgets and targets, are the scripts in "
            "the repository's `benchmarks/` folder.",
            "",
        ]
        return "\n".join(lines)


def machine(seconds):
    """Where and with what the comparison ran."""
    import sklearn
    import torch
    import xgboost

    from .._version import __version__

    rows = {
        "date (UTC)": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "platform": platform.platform(),
        "CPU": platform.processor() or platform.machine(),
        "CPU cores": os.cpu_count(),
        "torch threads": torch.get_num_threads(),
        "Python": sys.version.split()[0],
        "versions": f"skhep_models {__version__}, torch {torch.__version__}, scikit-learn "
        f"{sklearn.__version__}, xgboost {xgboost.__version__}",
        "total time": f"{seconds:.0f} s",
    }
    return pd.DataFrame({"value": [str(v) for v in rows.values()]},
                        index=pd.Index(list(rows), name="machine"))  # fmt: skip


def fit_all(models, fit, progress, desc="training"):
    """Fit every model with ``fit(name, model)`` under a progress bar; {name: seconds}."""
    from sklearn.exceptions import ConvergenceWarning

    seconds = {}
    with progress_bar(progress, total=len(models), desc=desc, unit="model") as bar:
        for name, model in models.items():
            bar.set_postfix_str(str(name))
            start = time.perf_counter()
            with warnings.catch_warnings():
                # sklearn's MLP stops at the epochs it is given, as the comparison intends
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit(name, model)
            seconds[name] = time.perf_counter() - start
            bar.update()
    return seconds


def with_ratios(table, reference, columns):
    """Insert ``'<column> / ref'`` after each of ``columns``: the value over ``reference``'s."""
    out = table.copy()
    for column in columns:
        at = list(out.columns).index(column) + 1
        out.insert(at, f"{column} / ref", out[column] / table.loc[reference, column])
    return out
