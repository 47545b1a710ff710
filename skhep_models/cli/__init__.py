"""The subcommands of ``python -m skhep_models`` (console script ``skhep-models``).

``generate``
    Write a sample of :mod:`skhep_models.datasets` as CSV, a ROOT TTree or Parquet, in chunks.
``compare``
    Train one of our estimators and its baselines on one problem, write ``report.md`` with
    tables and plots: the quick, self-contained version of the studies in ``benchmarks/``
    (which nothing in the package imports).
``tune``
    ``BayesSearchCV`` over the estimator's space of :mod:`skhep_models.tuning` on a data
    file, optionally on a Dask cluster.

``skhep_models.__main__`` only parses the arguments. A user error (a missing file, an
unknown column or estimator, an unwritable output, a bad extension) raises
:class:`CLIError`, which the command line turns into one line on stderr and exit code 2.
"""

from ._common import CLIError
from ._compare import COMPARISONS, compare
from ._generate import GENERATORS, generate
from ._tune import ESTIMATORS, tune

__all__ = ["COMPARISONS", "ESTIMATORS", "GENERATORS", "CLIError", "compare", "generate", "tune"]
