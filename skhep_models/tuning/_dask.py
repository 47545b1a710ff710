"""Run scikit-learn / skopt searches on a Dask cluster through joblib's Dask backend."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

try:
    from distributed import WorkerPlugin
except ImportError:  # the 'dask' extra is not installed; dask_search_context says so when used
    WorkerPlugin = object

__all__ = ["dask_search_context"]


@contextmanager
def dask_search_context(
    address=None, *, n_workers=None, threads_per_worker=1, torch_threads=None, **cluster_kwargs
):
    """Send the joblib work of the searches inside the block to a Dask cluster.

    Inside the ``with`` block joblib's Dask backend is active with ``n_jobs=-1``: a
    ``GridSearchCV``, ``RandomizedSearchCV``, ``BayesSearchCV`` or ``cross_validate`` whose
    ``n_jobs`` is ``None`` (the default) or -1 fits its (candidate, fold) pairs as Dask tasks
    on all the cluster's worker threads. Neither the estimators nor the search code change,
    and for a fixed ``random_state`` the results are those of the serial run.

    Parameters
    ----------
    address : str, distributed.deploy.Cluster or None, default=None
        The scheduler: an address (``'tcp://10.0.0.5:8786'``, what ``dask scheduler``
        prints), a cluster object you started (``dask_jobqueue.SLURMCluster``, ...; it is
        left running), or ``None`` to start a ``distributed.LocalCluster`` of worker
        processes on this machine, closed when the block ends.
    n_workers : int or None, default=None
        Worker processes of the LocalCluster (``None``: Dask's choice, about one per core).
        Only without an ``address`` (a ValueError otherwise), as ``**cluster_kwargs``.
    threads_per_worker : int, default=1
        Threads of each LocalCluster worker, i.e. fits run at once per worker process;
        ignored with an ``address``.
    torch_threads : int or None, default=None
        Set PyTorch's intra-op threads in every worker process (a worker plugin). ``None``
        keeps what the worker has: Dask's nanny starts workers with ``OMP_NUM_THREADS=1``,
        so PyTorch runs one thread per task and ``threads_per_worker`` tasks per process
        use that many cores (see Notes).
    **cluster_kwargs
        Passed to ``LocalCluster`` (e.g. ``dashboard_address=None``, ``memory_limit``).

    Yields
    ------
    distributed.Client
        The connected client (closed when the block ends).

    Notes
    -----
    Threads: a fit is one Dask task; a worker process runs ``threads_per_worker`` tasks at
    once, and each task's PyTorch operations use the process's intra-op threads. Dask's
    nanny sets ``OMP_NUM_THREADS=MKL_NUM_THREADS=OPENBLAS_NUM_THREADS=1`` before it starts a
    worker (config ``distributed.nanny.pre-spawn-environ``), which PyTorch reads at import,
    so by default one task uses one core and a machine is filled by worker processes times
    threads per worker = cores. With few large fits rather than many small ones, use fewer
    tasks per machine and ``torch_threads`` = cores per task instead.

    The objects sent to the workers (estimator, scorer, data) are pickled with cloudpickle:
    those defined in ``__main__`` (a script, a notebook) travel by value, those of a module
    by reference, so the workers must be able to import that module (installed, or on their
    ``sys.path``) in the same version.

    Examples
    --------
    Not run here (they start processes)::

        from sklearn.model_selection import GridSearchCV
        from skhep_models import ShallowMassRegressor
        from skhep_models.tuning import dask_search_context

        search = GridSearchCV(ShallowMassRegressor(random_state=0),
                              {"learning_rate": [1e-4, 3e-4, 1e-3]}, cv=3)
        with dask_search_context(n_workers=4):          # LocalCluster, 4 processes
            search.fit(X, y)
        with dask_search_context("tcp://scheduler:8786"):  # an existing cluster
            search.fit(X, y)
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError(
            "dask_search_context needs dask.distributed: pip install 'skhep_models[dask]'."
        ) from exc
    from joblib import parallel_config

    if address is not None and (n_workers is not None or cluster_kwargs):
        raise ValueError(
            "n_workers and LocalCluster arguments apply only when dask_search_context starts a "
            f"LocalCluster (address=None); got address={address!r}. Size the cluster where it "
            "is started instead (e.g. SLURMCluster.scale)."
        )
    with ExitStack() as stack:
        if address is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=threads_per_worker,
                    processes=True,
                    **cluster_kwargs,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(address))
        if torch_threads is not None:
            client.register_plugin(_TorchThreads(torch_threads), name="skhep-torch-threads")
        stack.enter_context(parallel_config(backend="dask", n_jobs=-1))
        yield client


class _TorchThreads(WorkerPlugin):
    """Set PyTorch's intra-op threads in every worker, those that join later included."""

    def __init__(self, n_threads):
        self.n_threads = n_threads

    def setup(self, worker):
        import torch

        torch.set_num_threads(self.n_threads)
