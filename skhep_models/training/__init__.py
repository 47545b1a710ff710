"""The one training engine shared by every neural estimator (skorch-based).

See :mod:`skhep_models.training._engine` for the design; estimators use :func:`build_net`,
:func:`fit_net` and :func:`predict`. Data larger than memory is streamed chunk by chunk from a
:class:`ChunkedSource` (ROOT file, Dask collection) through :class:`StreamBatches`
(:mod:`skhep_models.training._stream`), into the same loop.
"""

from ._data import FastBatchIterator, TensorBatches
from ._stream import ChunkedSource, ChunkSplit, RunningMoments, StreamBatches
from ._optim import FastAdamW
from ._engine import (
    BatchProgressBar,
    EngineNet,
    NonFiniteLossError,
    build_net,
    fit_net,
    predict,
    resolve_device,
    torch_seed,
)
from ._shaking import (
    OBJECTIVES,
    ScoreCollector,
    ShakingNet,
    population_objective,
    population_scores,
)

__all__ = [
    "BatchProgressBar",
    "ChunkSplit",
    "ChunkedSource",
    "EngineNet",
    "FastAdamW",
    "FastBatchIterator",
    "NonFiniteLossError",
    "OBJECTIVES",
    "RunningMoments",
    "ScoreCollector",
    "ShakingNet",
    "StreamBatches",
    "TensorBatches",
    "build_net",
    "fit_net",
    "population_objective",
    "population_scores",
    "predict",
    "resolve_device",
    "torch_seed",
]
