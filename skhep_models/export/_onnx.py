"""ONNX graphs of the fitted neural estimators, built from their weights with ``onnx.helper``.

The graph is written node by node rather than traced with ``torch.onnx.export``: the networks
are all :class:`~skhep_models.nn.MLP` stacks of a few layer types, so a direct translation is
short, exact (the float32 weights are copied, not re-derived) and independent of PyTorch's
exporters. In PyTorch 2.13 the default (dynamo) exporter takes seconds per network and warns,
and the TorchScript one (``dynamo=False``) is deprecated and slated for removal.
"""

from __future__ import annotations

import importlib
import json
import math
import os
from numbers import Integral

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted
from torch import nn

from .._version import __version__
from ..estimators import (
    AUCShakingClassifier,
    ParameterizedNNClassifier,
    RecoilDNNRegressor,
    ShallowMassRegressor,
)

__all__ = ["to_onnx", "predict_onnx", "DEFAULT_OPSET"]

#: Opset written when none is asked for: understood by ONNX Runtime 1.12 and later.
DEFAULT_OPSET = 17
_MIN_OPSET = 13  # the oldest tested (the graph's operators all exist since opset 11)

_FLOAT, _DOUBLE = 1, 11  # onnx.TensorProto.FLOAT / DOUBLE (no onnx import at module load)
_SELU = (1.6732632423543772, 1.0507009873554805)  # alpha and scale of torch.nn.SELU


def _require(module: str):
    """Import an optional dependency of the ``export`` extra, or say how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"skhep_models.export needs the {module!r} package, which is part of the 'export' "
            "extra: pip install 'skhep_models[export]' (onnx, onnxruntime)."
        ) from exc


class _Graph:
    """Collects nodes and initializers; every helper returns the name of its output tensor."""

    def __init__(self, onnx, dtype):
        self.onnx, self.dtype = onnx, np.dtype(dtype)
        self.nodes, self.initializers = [], []
        self._names: set[str] = set()

    def _fresh(self, stem: str) -> str:
        name, i = stem, 1
        while name in self._names:
            name, i = f"{stem}_{i}", i + 1
        self._names.add(name)
        return name

    def const(self, stem: str, value, dtype=None) -> str:
        """An initializer, in the graph's arithmetic type unless ``dtype`` says otherwise."""
        name = self._fresh(stem)
        array = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs, stem: str | None = None, *, out: str | None = None,
           **attrs) -> str:  # fmt: skip
        out = out or self._fresh(stem or op_type.lower())
        make_node = self.onnx.helper.make_node
        self.nodes.append(make_node(op_type, list(inputs), [out], name=f"{op_type}_{out}", **attrs))
        return out


# ---- preprocessing: per-feature affine maps, evaluated in float64 as scikit-learn does -----------
def _scaler_ops(scaler):
    """``([(op, vector), ...], clip range or None)`` reproducing the scaler's ``transform``."""
    kind = type(scaler)
    if kind is StandardScaler:
        ops = [("Sub", scaler.mean_ if scaler.with_mean else None),
               ("Div", scaler.scale_ if scaler.with_std else None)]  # fmt: skip
        return ops, None
    if kind is RobustScaler:
        ops = [("Sub", scaler.center_ if scaler.with_centering else None),
               ("Div", scaler.scale_ if scaler.with_scaling else None)]  # fmt: skip
        return ops, None
    if kind is MinMaxScaler:
        clip = scaler.feature_range if scaler.clip else None
        return [("Mul", scaler.scale_), ("Add", scaler.min_)], clip
    if kind is MaxAbsScaler:
        return [("Div", scaler.scale_)], None
    raise AssertionError(kind)  # filtered out by _split_model


_SCALERS = (StandardScaler, MinMaxScaler, RobustScaler, MaxAbsScaler)


def _non_identity(ops):
    """``[(op, vector), ...]`` (Sub, Div, Mul, Add) without the steps that change nothing."""
    neutral = {"Sub": 0.0, "Add": 0.0, "Mul": 1.0, "Div": 1.0}
    return [(op, v) for op, v in ops if v is not None and not np.all(np.asarray(v) == neutral[op])]


def _elementwise(g: _Graph, x: str, ops, stem: str, dtype=None) -> str:
    """Apply ``ops`` (broadcast over the batch) in turn."""
    for op, vector in _non_identity(ops):
        operand = g.const(f"{stem}.{op.lower()}", np.ravel(vector), dtype)
        x = g.op(op, [x, operand], f"{stem}_{op.lower()}")
    return x


def _affine_in_float64(g: _Graph, x: str, ops, clip, stem: str) -> str:
    """Apply ``ops`` (and a clip) in float64 and round back to float32.

    Float64 as in the estimators and scikit-learn: ``x - mean`` of a feature far from zero
    cancels, and in float32 would lose digits the estimator keeps. The rounding to float32
    at the end is the estimator's own (``validate_data(..., dtype=float32)``).
    """
    if not _non_identity(ops) and clip is None:
        return x
    x = g.op("Cast", [x], f"{stem}_f64", to=_DOUBLE)
    x = _elementwise(g, x, ops, stem, np.float64)
    if clip is not None:
        low, high = (g.const(f"{stem}.clip_{end}", v, np.float64) for end, v in zip("ab", clip))
        x = g.op("Clip", [x, low, high], f"{stem}_clip")
    return g.op("Cast", [x], f"{stem}_f32", to=_FLOAT)


# ---- the network ---------------------------------------------------------------------------------
def _numpy(tensor):
    return tensor.detach().cpu().numpy()


def _activation(g: _Graph, layer: nn.Module, x: str, stem: str) -> str:
    """ONNX nodes for one hidden activation of :data:`skhep_models.nn.ACTIVATIONS`."""
    if isinstance(layer, nn.ReLU):
        return g.op("Relu", [x], stem)
    if isinstance(layer, nn.Tanh):
        return g.op("Tanh", [x], stem)
    if isinstance(layer, nn.Sigmoid):
        return g.op("Sigmoid", [x], stem)
    if isinstance(layer, (nn.ELU, nn.SELU)):
        # torch's SELU constants (ONNX's defaults are their float32 roundings)
        alpha, gamma = (float(layer.alpha), 1.0) if isinstance(layer, nn.ELU) else _SELU
        if g.dtype == np.float32:
            if isinstance(layer, nn.ELU):
                return g.op("Elu", [x], stem, alpha=alpha)
            return g.op("Selu", [x], stem, alpha=alpha, gamma=gamma)
        # ONNX Runtime has no float64 Elu/Selu: gamma (max(x, 0) + alpha (exp(min(x, 0)) - 1))
        zero = g.const(f"{stem}.zero", 0.0)
        exp = g.op("Exp", [g.op("Min", [x, zero], f"{stem}_min")], f"{stem}_exp")
        expm1 = g.op("Sub", [exp, g.const(f"{stem}.one", 1.0)], f"{stem}_expm1")
        negative = g.op("Mul", [expm1, g.const(f"{stem}.alpha", alpha)], f"{stem}_negative")
        y = g.op("Add", [g.op("Max", [x, zero], f"{stem}_max"), negative], f"{stem}_sum")
        return g.op("Mul", [y, g.const(f"{stem}.gamma", gamma)], stem) if gamma != 1.0 else y
    if isinstance(layer, nn.LeakyReLU):
        return g.op("LeakyRelu", [x], stem, alpha=float(layer.negative_slope))
    if isinstance(layer, nn.SiLU):
        return g.op("Mul", [x, g.op("Sigmoid", [x], f"{stem}_sigmoid")], stem)
    if isinstance(layer, nn.GELU):
        # Written out (the Gelu operator needs opset 20): 0.5 x (1 + erf(x / sqrt 2)), or the tanh
        # form 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) for approximate='tanh'.
        if layer.approximate == "tanh":
            cube = g.op("Mul", [x, g.op("Mul", [x, x], f"{stem}_sq")], f"{stem}_cube")
            cubic = g.op("Mul", [cube, g.const(f"{stem}.c", 0.044715)], f"{stem}_cubic")
            inner = g.op("Add", [x, cubic], f"{stem}_inner")
            k = g.const(f"{stem}.k", math.sqrt(2 / math.pi))
            core = g.op("Tanh", [g.op("Mul", [inner, k], f"{stem}_arg")], f"{stem}_tanh")
        else:
            core = g.op("Mul", [x, g.const(f"{stem}.k", 1 / math.sqrt(2))], f"{stem}_arg")
            if g.dtype == np.float32:
                core = g.op("Erf", [core], f"{stem}_erf")
            else:  # ONNX Runtime has no float64 Erf: erf in float32 (error ~6e-8)
                core = g.op("Erf", [g.op("Cast", [core], f"{stem}_arg_f32", to=_FLOAT)])
                core = g.op("Cast", [core], f"{stem}_erf", to=_DOUBLE)
        one_plus = g.op("Add", [core, g.const(f"{stem}.one", 1.0)], f"{stem}_one_plus")
        half_x = g.op("Mul", [x, g.const(f"{stem}.half", 0.5)], f"{stem}_half_x")
        return g.op("Mul", [half_x, one_plus], stem)
    raise TypeError(
        f"Cannot export the layer {layer!r} to ONNX: supported are Linear, BatchNorm1d, Dropout "
        "and the activations ReLU, Tanh, Sigmoid, ELU, SELU, GELU, SiLU and LeakyReLU."
    )


def _network(g: _Graph, module: nn.Module, x: str) -> str:
    """The module's evaluation-mode forward pass (BatchNorm on running statistics, no Dropout).

    The weights are read from the layers, so the graph is the plain layer-by-layer network
    whatever path the module takes in training (e.g. the fused MLP kernel).
    """
    if g.dtype == np.float64:
        x = g.op("Cast", [x], "network_f64", to=_DOUBLE)
    layers = list(module.children()) if isinstance(module, nn.Sequential) else [module]
    for i, layer in enumerate(layers):
        stem = f"layer{i}"
        if isinstance(layer, nn.Linear):
            inputs = [x, g.const(f"{stem}.weight", _numpy(layer.weight))]
            if layer.bias is not None:
                inputs.append(g.const(f"{stem}.bias", _numpy(layer.bias)))
            x = g.op("Gemm", inputs, f"{stem}_linear", transB=1)
        elif isinstance(layer, nn.BatchNorm1d):
            if layer.running_mean is None:
                raise TypeError(
                    f"Cannot export {layer!r}: it keeps no running statistics "
                    "(track_running_stats=False), so its evaluation output depends on the batch."
                )
            n = layer.num_features
            gamma = _numpy(layer.weight) if layer.weight is not None else np.ones(n)
            beta = _numpy(layer.bias) if layer.bias is not None else np.zeros(n)
            # ONNX attributes are float32: eps goes into the variance, in the graph's precision
            var = _numpy(layer.running_var).astype(np.float64) + layer.eps
            params = [g.const(f"{stem}.{k}", v) for k, v in (
                ("weight", gamma), ("bias", beta),
                ("running_mean", _numpy(layer.running_mean)), ("running_var_plus_eps", var),
            )]  # fmt: skip
            x = g.op("BatchNormalization", [x, *params], f"{stem}_bn", epsilon=0.0)
        elif isinstance(layer, (nn.Dropout, nn.Identity)):
            continue  # identity in evaluation mode
        else:
            x = _activation(g, layer, x, f"{stem}_{type(layer).__name__.lower()}")
    return x


# ---- output maps, one per estimator --------------------------------------------------------------
def _column(g: _Graph, x: str) -> str:
    """(batch, 1) -> (batch,)."""
    return g.op("Reshape", [x, g.const("flat_shape", [-1], np.int64)], "column")


# Each returns [(tensor, output name, shape)], the output maps of predict / predict_proba.
def _regression_outputs(est, g: _Graph, z: str):
    z = _elementwise(g, z, [("Mul", est.y_scale_), ("Add", est.y_mean_)], "target")
    if isinstance(est, ShallowMassRegressor) or est._y_1d:
        return [(_column(g, z), "prediction", ["batch"])]
    return [(z, "prediction", ["batch", est.n_outputs_])]


def _classification_outputs(est, g: _Graph, z: str):
    if isinstance(est, AUCShakingClassifier):
        slope, intercept = est.calibration_
        z = g.op("Mul", [z, g.const("platt.slope", slope)], "platt_scaled")
        z = g.op("Add", [z, g.const("platt.intercept", intercept)], "platt_logit")
    p_signal = g.op("Sigmoid", [z], "p_signal")
    p_background = g.op("Sub", [g.const("one", [1.0]), p_signal], "p_background")
    proba = g.op("Concat", [p_background, p_signal], "proba", axis=1)
    return [(proba, "probabilities", ["batch", 2]), (_column(g, z), "decision_function", ["batch"])]


_OUTPUTS = {
    ShallowMassRegressor: _regression_outputs,
    RecoilDNNRegressor: _regression_outputs,
    ParameterizedNNClassifier: _classification_outputs,
    AUCShakingClassifier: _classification_outputs,
}

_OUTPUT_DOCS = {
    "prediction": "predict(X): the target in its own units, shape (batch,) or (batch, n_outputs)",
    "probabilities": "predict_proba(X): (batch, 2), columns ordered as classes (signal second)",
    "decision_function": "decision_function(X): logit of the signal probability, (batch,)",
}


# ---- the model -----------------------------------------------------------------------------------
def _split_model(model):
    """``(scalers, estimator)`` of a Pipeline or a bare estimator, checked exportable and fitted."""
    if isinstance(model, Pipeline):
        steps = [(n, s) for n, s in model.steps if s is not None and not isinstance(s, str)]
        if not steps:
            raise TypeError("The Pipeline has no steps to export (all are 'passthrough').")
        *pre, (name, estimator) = steps
    else:
        pre, name, estimator = [], None, model
    for step_name, step in pre:
        if type(step) not in _SCALERS:
            raise TypeError(
                f"Pipeline step {step_name!r} ({type(step).__name__}) cannot be exported to "
                f"ONNX: before the estimator only the per-feature scalers "
                f"{', '.join(s.__name__ for s in _SCALERS)} are supported. Apply the other "
                "transformations upstream of the model, or drop the step."
            )
    if type(estimator) not in _OUTPUTS:
        where = f"the final Pipeline step {name!r}" if name else "the model"
        raise TypeError(
            f"Cannot export {where}, a {type(estimator).__name__}, to ONNX: supported are "
            f"{', '.join(e.__name__ for e in _OUTPUTS)}, alone or after scalers in a Pipeline."
        )
    for _, step in (*pre, (name, estimator)):
        check_is_fitted(step)
    return [s for _, s in pre], estimator


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)


def _metadata(scalers, est, output_names) -> dict[str, str]:
    first = scalers[0] if scalers else est
    names = getattr(first, "feature_names_in_", None)
    meta = {
        "producer": f"skhep_models {__version__}",
        "estimator": type(est).__name__,
        "steps": [type(s).__name__ for s in (*scalers, est)],
        "n_features": int(first.n_features_in_),
        "params": est.get_params(deep=False),
        "outputs": {name: _OUTPUT_DOCS[name] for name in output_names},
    }
    if names is not None:
        meta["feature_names"] = names
    if hasattr(est, "classes_"):
        meta["classes"] = est.classes_
    if isinstance(est, ParameterizedNNClassifier):
        meta["param_names"] = est.param_names_
        meta["param_values"] = est.param_values_
    if getattr(est, "target_names_", None) is not None:
        meta["target_names"] = est.target_names_
    return {k: json.dumps(v, default=_jsonable) for k, v in meta.items()}


def to_onnx(model, path=None, *, dtype="float64", opset=None):
    """Export a fitted neural estimator, or a Pipeline of scalers and one, to an ONNX model.

    The graph computes what the model's ``predict`` (regressors) or ``predict_proba`` and
    ``decision_function`` (classifiers) compute: the Pipeline's scalers, the estimator's own
    input standardisation, the network in evaluation mode (BatchNorm on its running
    statistics, no Dropout), then the target de-standardisation, or the Platt calibration and
    the sigmoid.

    Parameters
    ----------
    model : estimator or sklearn.pipeline.Pipeline
        A fitted :class:`~skhep_models.ShallowMassRegressor`,
        :class:`~skhep_models.RecoilDNNRegressor`,
        :class:`~skhep_models.ParameterizedNNClassifier` or
        :class:`~skhep_models.AUCShakingClassifier`; or a fitted Pipeline whose last step is
        one of them and whose other steps are ``StandardScaler``, ``MinMaxScaler`` (``clip``
        included), ``RobustScaler`` or ``MaxAbsScaler`` (``'passthrough'`` steps are skipped).
    path : str or path-like, default=None
        Also save the model there (``.onnx``).
    dtype : {'float64', 'float32'}, default='float64'
        Arithmetic of the network and the output map. The input and the outputs are float32
        either way (what C++ wrappers such as CMSSW's ``cms::Ort::ONNXRuntime`` pass).
        'float64' runs the network as the estimator's CPU ``predict`` does: the outputs equal
        it to their float32 rounding, whatever the batch. 'float32' is 2-3 times faster in
        ONNX Runtime (about 25 instead of 65 microseconds per event for the default
        RecoilDNNRegressor) and suits float32-only runtimes, at a cost in agreement: see Notes.
    opset : int, default=None
        ONNX operator set, 13 or later; ``None`` writes :data:`DEFAULT_OPSET` (17), which ONNX
        Runtime 1.12 and later (CMSSW, Athena) load. The IR version is the lowest for it.

    Returns
    -------
    onnx.ModelProto
        Checked with ``onnx.checker.check_model``. One input, ``input``: float32 of shape
        ``(batch, n_features)``, the columns in the order of ``X`` at fit (dynamic batch).
        Outputs, float32 and with the same dynamic batch:

        - regressors: ``prediction``, as ``predict`` returns it: ``(batch,)``, or
          ``(batch, n_outputs)`` for a RecoilDNNRegressor fitted on a 2-D ``y``;
        - classifiers: ``probabilities``, ``(batch, 2)`` as ``predict_proba`` (columns in the
          order of ``classes_``, signal second), and ``decision_function``, ``(batch,)``, the
          logit of the signal probability.

        ``metadata_props`` hold, as JSON strings: ``feature_names`` (when fitted on a
        DataFrame), ``n_features``, ``estimator``, ``steps``, ``params`` (the estimator's
        ``get_params``), ``outputs`` and, where they apply, ``classes``, ``param_names``,
        ``param_values`` and ``target_names``.

    Raises
    ------
    ImportError
        Without the ``onnx`` package (``pip install 'skhep_models[export]'``).
    sklearn.exceptions.NotFittedError
        If the estimator or a scaler is not fitted.
    TypeError
        For a Pipeline step or a model that cannot be exported (the message names it).

    See Also
    --------
    predict_onnx : run an exported model with ONNX Runtime.

    Notes
    -----
    The affine input maps (scalers and the estimator's ``x_mean_`` / ``x_scale_``) run in
    float64 and round to float32 where the estimator does, since ``x - mean`` of a feature far
    from zero cancels. With ``dtype='float64'`` the network follows (its float32 weights are
    exact in float64; only the GELU's erf is evaluated in float32, as ONNX Runtime has no
    float64 Erf), and the outputs agree with the estimator's to a few 1e-8, relative. In
    float32 the network's sums round at each layer: on standardised or scaled inputs the
    outputs agree to a few 1e-7 of the target's spread, but a network fed raw inputs of
    hundreds of GeV (a :class:`~skhep_models.ShallowMassRegressor` without a scaler) cancels
    large terms and can differ by about 1e-5 of the target's spread.

    Two differences are the caller's: the input is float32, so a Pipeline that is given
    float64 ``X`` scales unrounded values (the estimator alone rounds to float32 first, as the
    graph does); and the parameter
    columns of a :class:`~skhep_models.ParameterizedNNClassifier` are ordinary inputs: set
    them to the hypothesis to score (``predict_proba(X, mass=750)`` is the graph on ``X``
    with its ``mass`` column set to 750).

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models import RecoilDNNRegressor
    >>> from skhep_models.export import predict_onnx, to_onnx
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 4)).astype(np.float32)
    >>> Y = 10 * X[:, :2] + rng.normal(size=(200, 2))
    >>> reg = RecoilDNNRegressor((16,), batch_size=50, max_epochs=2, random_state=0).fit(X, Y)
    >>> onx = to_onnx(reg)
    >>> [i.name for i in onx.graph.input], [o.name for o in onx.graph.output]
    (['input'], ['prediction'])
    >>> bool(np.allclose(predict_onnx(onx, X), reg.predict(X), rtol=1e-6, atol=1e-6))
    True
    """
    onnx = _require("onnx")
    opset = DEFAULT_OPSET if opset is None else opset
    if not isinstance(opset, Integral) or not _MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(
            f"opset must be an integer from {_MIN_OPSET} to {onnx.defs.onnx_opset_version()} "
            f"(this onnx's newest), got {opset!r}."
        )
    if str(dtype) not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}.")
    scalers, est = _split_model(model)
    n_features = int((scalers[0] if scalers else est).n_features_in_)

    g = _Graph(onnx, str(dtype))
    x = "input"
    for i, scaler in enumerate(scalers):
        x = _affine_in_float64(g, x, *_scaler_ops(scaler), stem=f"step{i}")
    if hasattr(est, "x_mean_"):
        standardize = [("Sub", est.x_mean_), ("Div", est.x_scale_)]
        x = _affine_in_float64(g, x, standardize, None, "standardize")
    outputs = _OUTPUTS[type(est)](est, g, _network(g, est.net_.module_, x))
    for tensor, name, _ in outputs:
        g.op("Cast", [tensor], out=name, to=_FLOAT)

    make = onnx.helper.make_tensor_value_info
    graph = onnx.helper.make_graph(
        g.nodes,
        type(est).__name__,
        [make("input", _FLOAT, ["batch", n_features])],
        [make(name, _FLOAT, shape) for _, name, shape in outputs],
        initializer=g.initializers,
        doc_string=f"{' + '.join(type(s).__name__ for s in (*scalers, est))}, exported by "
        f"skhep_models {__version__}",
    )
    opsets = [onnx.helper.make_opsetid("", opset)]
    onnx_model = onnx.helper.make_model(
        graph,
        opset_imports=opsets,
        ir_version=onnx.helper.find_min_ir_version_for(opsets),
        producer_name="skhep_models",
        producer_version=__version__,
    )
    output_names = [name for _, name, _ in outputs]
    onnx.helper.set_model_props(onnx_model, _metadata(scalers, est, output_names))
    onnx.checker.check_model(onnx_model, full_check=True)
    if path is not None:
        onnx.save(onnx_model, os.fspath(path))
    return onnx_model


def predict_onnx(model, X, output=None):
    """Run an exported model with ONNX Runtime (CPU).

    Parameters
    ----------
    model : onnx.ModelProto, str or path-like
        A model from :func:`to_onnx`, or the path of a saved one.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Cast to float32. A DataFrame is reordered to the model's ``feature_names`` when it
        stores them.
    output : str, default=None
        Name of the output to return; ``None`` returns the first one (``prediction`` for a
        regressor, ``probabilities`` for a classifier).

    Returns
    -------
    ndarray
        The output, as ONNX Runtime returns it (float32).

    Examples
    --------
    See :func:`to_onnx`.
    """
    ort = _require("onnxruntime")
    if isinstance(model, (str, os.PathLike)):
        source = os.fspath(model)
    else:
        source = model.SerializeToString()
    session = ort.InferenceSession(source, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    if "feature_names" in meta and hasattr(X, "columns"):
        names = json.loads(meta["feature_names"])
        missing = [n for n in names if n not in X.columns]
        if missing:
            raise ValueError(
                f"X lacks the columns {missing} the model was fitted on; it needs {names}."
            )
        X = X[names]
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got shape {X.shape}.")
    names = [output] if output is not None else [session.get_outputs()[0].name]
    return session.run(names, {session.get_inputs()[0].name: X})[0]
