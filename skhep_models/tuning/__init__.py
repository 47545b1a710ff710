"""Hyper-parameter search: spaces per estimator, event weights in searches, searches on Dask.

Search spaces are dicts of scikit-optimize dimensions (new objects on every call) that
``skopt.BayesSearchCV`` takes directly; :func:`space_to_grid` turns one into a grid for
``GridSearchCV``. Each space function takes ``estimator=`` to prefix its keys for a Pipeline
(``shallowmassregressor__learning_rate``), and :func:`search_space` picks and prefixes the
spaces of every step of an estimator or Pipeline by class. Depth and widths are searched
through the flat integers ``n_layers`` and ``n_units_1`` ... ``n_units_4`` (skopt cannot
search tuples).

=================================  ======================================  ===================
space                              estimator                               kinds
=================================  ======================================  ===================
:func:`shallow_mass_space`         ``ShallowMassRegressor``: the seed's    'constrained',
                                   depth, widths and learning rate         'unconstrained'
:func:`recoil_dnn_space`           ``RecoilDNNRegressor``: depth, widths,
                                   learning rate, batch size, dropout,
                                   weight decay around the seed's network
:func:`parameterized_nn_space`     ``ParameterizedNNClassifier``: the
                                   same, around its defaults
:func:`auc_shaking_space`          ``AUCShakingClassifier``: the seed's    'seed', 'wide'
                                   3 or 25 neurons x 10, 100, 150 shakes
:func:`hist_adaboost_space`        ``HistAdaBoostClassifier``: trees,
                                   learning rate, depth, regularisation
:func:`separation_selector_space`  ``SeparationPowerSelector`` in front
                                   of a classifier
=================================  ======================================  ===================

``LorentzInvariants`` has no space (its parameters choose what to compute, nothing to tune),
nor have the scikit-learn and XGBoost models that the factories of
:mod:`skhep_models.baselines` return: give the search a dict of dimensions for them.

Event weights in searches
-------------------------
Turn on scikit-learn's metadata routing, say which objects take the weights, and pass them
to ``fit``; each fold's estimator is then fitted with the weights of its training rows and
scored with those of its test rows, and the refit uses all of them:

.. code-block:: python

    import sklearn
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from skhep_models import ShallowMassRegressor
    from skhep_models.tuning import search_space, space_to_grid

    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(
            StandardScaler().set_fit_request(sample_weight=True),  # every step that takes them
            ShallowMassRegressor().set_fit_request(sample_weight=True),
        )
        scoring = get_scorer("r2").set_score_request(sample_weight=True)
        space = search_space(pipe)
        grid = space_to_grid({k: space[k] for k in list(space)[:2]}, n_points=3)
        GridSearchCV(pipe, grid, scoring=scoring, cv=5).fit(X, y, sample_weight=w)

``skopt.BayesSearchCV`` (scikit-optimize 0.10) passes ``groups`` on to scikit-learn even
when none are given, and with routing on scikit-learn refuses metadata that nothing
requests: ``TypeError: BayesSearchCV.fit got unexpected argument(s) {'groups'}, which are
not routed to any object``. Give it a splitter that takes groups, and the groups:
``groups=np.arange(n_events)`` (one event per group) makes ``GroupKFold(k, shuffle=True)`` a
shuffled k-fold, and ``groups=event_number % k`` gives the folds by event number of LHC
analyses (``StratifiedGroupKFold`` keeps the class fractions of classifiers' folds).

>>> import numpy as np, sklearn
>>> from sklearn.metrics import get_scorer
>>> from sklearn.model_selection import GroupKFold
>>> from skopt import BayesSearchCV
>>> from skhep_models import ShallowMassRegressor
>>> from skhep_models.tuning import search_space
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(200, 3))
>>> y, w = X[:, 0] + X[:, 1] ** 2, rng.uniform(0.5, 2, 200)
>>> with sklearn.config_context(enable_metadata_routing=True):
...     reg = ShallowMassRegressor(max_epochs=2, random_state=0)
...     reg = reg.set_fit_request(sample_weight=True)
...     search = BayesSearchCV(
...         reg, search_space(reg), n_iter=2, random_state=0,
...         cv=GroupKFold(2, shuffle=True, random_state=0),
...         scoring=get_scorer("r2").set_score_request(sample_weight=True))
...     search = search.fit(X, y, sample_weight=w, groups=np.arange(len(X)))
>>> len(search.cv_results_["params"])
2

Without routing (scikit-learn's default), scikit-learn >= 1.9 passes ``fit(X, y,
sample_weight=w)`` of any search, ``BayesSearchCV`` included, to the estimator's ``fit`` and
to a scorer that takes ``sample_weight``: this weights fit and score of a bare estimator. A
Pipeline then needs ``fit(X, y, stepname__sample_weight=w)``, which reaches that step's
``fit`` but not the scorer (unweighted scores): use routing for Pipelines.

Early stopping inside the folds: the neural estimators draw their early-stopping validation
events (``validation_fraction``) inside ``fit``, from the rows ``fit`` is given, i.e. from
the training part of each fold, weighted like the training loss; the fold's test rows are
never seen before scoring.

Searches on Dask
----------------
A search runs on a ``dask.distributed`` cluster through joblib's Dask backend, with no
change to the estimator or the search (``pip install 'skhep_models[dask]'``).
:func:`dask_search_context` connects a client and sets the backend for the block; each
(candidate, fold) fit is one Dask task, and for a fixed ``random_state`` the results are
those of the serial run. These examples start processes and are not run here.

On this machine, worker processes instead of the serial loop:

.. code-block:: python

    from sklearn.model_selection import GridSearchCV
    from skhep_models.tuning import dask_search_context

    search = GridSearchCV(estimator, grid, cv=5)              # n_jobs: the context's (all)
    search.fit(X, y)                                           # serial
    with dask_search_context(n_workers=4):                     # LocalCluster, 4 processes
        search.fit(X, y)

On a running cluster, by the address its scheduler prints (``dask scheduler`` on one node,
``dask worker tcp://node01:8786 --nworkers 8 --nthreads 1`` on the others):

.. code-block:: python

    with dask_search_context("tcp://node01:8786"):
        search.fit(X, y)

On a batch system with `dask-jobqueue <https://jobqueue.dask.org>`_ (``pip install
dask-jobqueue``), which submits the workers as batch jobs. Wait for the first of them before
searching: joblib's Dask backend gives up after 10 s without any worker.

.. code-block:: python

    from dask_jobqueue import HTCondorCluster, SLURMCluster

    cluster = SLURMCluster(
        queue="short", account="myproject",
        cores=8, processes=8,          # 8 single-threaded worker processes per job
        memory="16GB", walltime="02:00:00",
        job_script_prologue=["source /path/to/venv/bin/activate"],
    )
    # HTCondor: HTCondorCluster(cores=8, processes=8, memory="16GB", disk="4GB")
    cluster.scale(jobs=4)              # 32 workers
    with dask_search_context(cluster) as client:
        client.wait_for_workers(8)     # start once some workers are up; others join later
        search.fit(X, y)
    cluster.close()

The workers need the same environment (skhep_models, torch, the same versions); custom
scorers or estimators defined in a module must be importable there too (those of
``__main__``, a script or notebook, travel by value). joblib's Dask backend scatters X, y
and the weights to the workers (every argument over 1 kB) rather than sending them with each
task; they must fit in the memory of the client and of each worker. Threads: Dask's
nanny starts each worker process with ``OMP_NUM_THREADS=1``, so PyTorch trains with one
thread per task and ``processes x threads`` tasks fill ``cores`` (``cores=8, processes=8``
above); for fewer, larger fits give fewer processes and ``dask_search_context(...,
torch_threads=n)``.
"""

from ._dask import dask_search_context
from ._spaces import (
    auc_shaking_space,
    hist_adaboost_space,
    parameterized_nn_space,
    prefix_space,
    recoil_dnn_space,
    search_space,
    separation_selector_space,
    shallow_mass_space,
    space_to_grid,
)

__all__ = [
    "auc_shaking_space",
    "dask_search_context",
    "hist_adaboost_space",
    "parameterized_nn_space",
    "prefix_space",
    "recoil_dnn_space",
    "search_space",
    "separation_selector_space",
    "shallow_mass_space",
    "space_to_grid",
]
