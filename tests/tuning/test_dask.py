"""The same searches on a dask.distributed LocalCluster give the serial results exactly."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold
from skopt import BayesSearchCV

from skhep_models import ShallowMassRegressor
from skhep_models.tuning import dask_search_context, search_space, space_to_grid

distributed = pytest.importorskip("distributed")
torch = pytest.importorskip("torch")


def _searches(grid_n_jobs):
    """A 4-candidate grid and a 3-point Bayesian search of a small regressor."""
    reg = ShallowMassRegressor((8,), max_epochs=2, batch_size=32, patience=None, random_state=0)
    space = search_space(reg)
    grid = space_to_grid({key: space[key] for key in ("learning_rate", "n_units_1")}, n_points=2)
    cv = KFold(2, shuffle=True, random_state=0)
    return [
        GridSearchCV(reg, grid, cv=cv, n_jobs=grid_n_jobs),
        # n_jobs=None: serial, or as many as the Dask context gives
        BayesSearchCV(reg, space, n_iter=3, cv=cv, random_state=0),
    ]


def _fit_all(X, y, w, grid_n_jobs=None):
    # weighted without routing: scikit-learn >= 1.9 weights the fits and the r2 scorer
    return [search.fit(X, y, sample_weight=w) for search in _searches(grid_n_jobs)]


@pytest.mark.slow  # 10-20 s: starting 2 worker processes that import torch
def test_dask_search_equals_the_serial_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 4))
    y = X[:, 0] * 3 + X[:, 1] ** 2
    w = rng.uniform(0.5, 2.0, len(X))
    serial = _fit_all(X, y, w)

    with dask_search_context(n_workers=2, threads_per_worker=1, dashboard_address=None) as client:
        with distributed.get_task_stream(client) as tasks:
            on_dask = _fit_all(X, y, w, grid_n_jobs=-1)
        # the fits ran as Dask tasks, 4 x 2 grid folds + 3 x 2 Bayesian ones at least
        assert len(tasks.data) >= 14
        # the nanny starts workers with OMP_NUM_THREADS=1: one PyTorch thread per task
        assert set(client.run(torch.get_num_threads).values()) == {1}
        with dask_search_context(client.scheduler.address, torch_threads=2) as by_address:
            assert set(by_address.run(torch.get_num_threads).values()) == {2}

    for a, b in zip(serial, on_dask):
        np.testing.assert_array_equal(a.cv_results_["mean_test_score"],
                                      b.cv_results_["mean_test_score"])  # fmt: skip
        assert a.best_params_ == b.best_params_
        np.testing.assert_array_equal(a.predict(X[:5]), b.predict(X[:5]))
    assert len(on_dask[0].cv_results_["params"]) == 4


def test_address_and_local_cluster_arguments_exclude_each_other():
    with pytest.raises(ValueError, match="apply only when dask_search_context starts"):
        with dask_search_context("tcp://127.0.0.1:8786", n_workers=2):
            pass
