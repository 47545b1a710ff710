"""Export of the fitted neural estimators to ONNX, for ONNX Runtime in C++ frameworks.

:func:`to_onnx` turns a fitted :class:`~skhep_models.ShallowMassRegressor`,
:class:`~skhep_models.RecoilDNNRegressor`, :class:`~skhep_models.ParameterizedNNClassifier`
or :class:`~skhep_models.AUCShakingClassifier` (alone, or after scikit-learn scalers in a
Pipeline) into one ONNX graph with a float32 ``input`` of shape ``(batch, n_features)``, whose
float32 outputs equal ``predict`` (regressors) or ``predict_proba`` and ``decision_function``
(classifiers) to their float32 rounding: the network runs in float64 inside the graph, as in
``predict`` (``dtype='float32'`` for a faster, slightly less faithful graph). The feature
names and the estimator's settings travel in the model's ``metadata_props``.
:func:`predict_onnx` runs an exported model with ONNX Runtime.

Needs the ``export`` extra (``pip install 'skhep_models[export]'``); ``onnx`` and
``onnxruntime`` are imported only when these functions are called.
"""

from ._onnx import DEFAULT_OPSET, predict_onnx, to_onnx

__all__ = ["DEFAULT_OPSET", "predict_onnx", "to_onnx"]
