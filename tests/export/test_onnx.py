"""ONNX export: ONNX Runtime reproduces predict / predict_proba of every neural estimator."""

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LinearRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)

from skhep_models import (  # noqa: E402
    AUCShakingClassifier,
    ParameterizedNNClassifier,
    RecoilDNNRegressor,
    ShallowMassRegressor,
)
from skhep_models.export import predict_onnx, to_onnx  # noqa: E402
from skhep_models.nn import ACTIVATIONS  # noqa: E402

NET = dict(max_epochs=4, batch_size=64, random_state=0)


def _events(n, seed):
    """Resonance-search-like events in GeV: features, a mass-like target, a recoil-like vector."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    mass = rng.choice([500.0, 750.0, 1000.0], n)
    pt, phi = rng.exponential(40, n), rng.uniform(-np.pi, np.pi, n)
    X = pd.DataFrame({
        "m_reco": np.where(label == 1, rng.normal(mass, 50), rng.exponential(400, n)),
        "pt": pt,
        "eta": rng.normal(0, 1.5, n),
        "sumet": 300 + rng.normal(0, 60, n),
        "mass": mass,
    })  # fmt: skip
    y_mass = 0.3 * X["m_reco"] + pt + rng.normal(0, 5, n)
    Y = pd.DataFrame({"ux": pt * np.cos(phi), "uy": pt * np.sin(phi)})
    return X, label, y_mass, Y


X_TRAIN, LABEL, Y_MASS, Y_RECOIL = _events(800, seed=0)
X_TEST = _events(1000, seed=1)[0]

MODELS = {
    "mass": lambda: ShallowMassRegressor((16, 8), **NET).fit(X_TRAIN, Y_MASS),
    "recoil_batchnorm_2_outputs": lambda: RecoilDNNRegressor(
        (16, 16), batch_norm=True, **NET
    ).fit(X_TRAIN, Y_RECOIL),
    "recoil_dropout_1d": lambda: RecoilDNNRegressor(
        (16, 16), batch_norm=False, dropout=0.2, **NET
    ).fit(X_TRAIN, Y_RECOIL["ux"]),
    "parameterized": lambda: ParameterizedNNClassifier(
        (16, 16), param_columns="mass", background_params="random", **NET
    ).fit(X_TRAIN, LABEL),
    "shaking": lambda: AUCShakingClassifier(
        (8,), n_shakes=10, population_size=8, n_restarts=1, random_state=0
    ).fit(X_TRAIN, LABEL),
    "minmax_mass_pipeline": lambda: make_pipeline(
        MinMaxScaler((0, 100)), ShallowMassRegressor((16, 8), standardize_target=False, **NET)
    ).fit(X_TRAIN, Y_MASS),
    "standard_recoil_pipeline": lambda: make_pipeline(
        StandardScaler(), RecoilDNNRegressor((16,), standardize=False, **NET)
    ).fit(X_TRAIN, Y_RECOIL),
    "four_scalers_parameterized_pipeline": lambda: make_pipeline(
        RobustScaler(),
        MaxAbsScaler(),
        "passthrough",
        StandardScaler(with_mean=False),
        MinMaxScaler(clip=True),
        ParameterizedNNClassifier((16,), param_columns=4, **NET),
    ).fit(X_TRAIN[:600], LABEL[:600]),  # the rest falls outside the MinMaxScaler range: clipped
}


@pytest.fixture(scope="module")
def fitted():
    """Fit each model on first use, once for the module."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = MODELS[name]()
        return cache[name]

    return get


def _expected(model, X):
    """{output name: what the estimator returns} for the graph's outputs."""
    if hasattr(model, "predict_proba"):
        return {
            "probabilities": model.predict_proba(X),
            "decision_function": model.decision_function(X),
        }
    return {"prediction": model.predict(X)}


def _spread(name):
    """Scale of a model's outputs: the target's standard deviation (GeV), 1 for classifiers."""
    if "mass" in name:
        return float(Y_MASS.std())
    return float(Y_RECOIL.to_numpy().std()) if "recoil" in name else 1.0


def _assert_close(got, want, tol, spread=1.0):
    """|got - want| <= tol * (|want| + spread): relative, and absolute near zero."""
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol * spread)


# float64 (the default): the float32 rounding of the outputs, plus float32 input rounding
# that a Pipeline's scalers see unrounded. float32: sums round at every layer.
TOLERANCE = {"float64": 1e-6, "float32": 1e-5}
# A bare ShallowMassRegressor sees raw inputs up to 3.7 TeV: float32 sums cancel (measured
# 1.1e-5 of the target's spread); the reason the default is float64.
FLOAT32_RAW_INPUTS = 3e-5


@pytest.mark.parametrize("dtype", TOLERANCE)
@pytest.mark.parametrize("name", MODELS)
def test_onnx_runtime_reproduces_the_estimator(fitted, name, dtype):
    model = fitted(name)
    onx = to_onnx(model, dtype=dtype)
    onnx.checker.check_model(onx, full_check=True)
    tol = FLOAT32_RAW_INPUTS if (name, dtype) == ("mass", "float32") else TOLERANCE[dtype]
    for output, want in _expected(model, X_TEST).items():
        _assert_close(predict_onnx(onx, X_TEST, output), want, tol, _spread(name))


@pytest.mark.parametrize("name", ["recoil_batchnorm_2_outputs", "parameterized"])
def test_dynamic_batch_one_row_and_a_thousand(fitted, name):
    model = fitted(name)
    onx = to_onnx(model)
    assert onx.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    first = list(_expected(model, X_TEST))[0]
    for X in (X_TEST.iloc[:1], X_TEST):
        got = predict_onnx(onx, X)
        assert len(got) == len(X)
        _assert_close(got, _expected(model, X)[first], 1e-6, _spread(name))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_and_batchnorm(activation):
    reg = RecoilDNNRegressor((8, 8), activation=activation, batch_norm=True, **NET)
    reg.fit(X_TRAIN[:300], Y_RECOIL[:300])
    for dtype, tol in TOLERANCE.items():
        got = predict_onnx(to_onnx(reg, dtype=dtype), X_TEST)
        _assert_close(got, reg.predict(X_TEST), tol, _spread("recoil"))


def test_gelu_tanh_approximation():
    reg = ShallowMassRegressor((8,), activation="gelu", **NET).fit(X_TRAIN[:300], Y_MASS[:300])
    reg.net_.module_[1].approximate = "tanh"
    _assert_close(predict_onnx(to_onnx(reg), X_TEST), reg.predict(X_TEST), 1e-6, _spread("mass"))


def _metadata(model):
    return {p.key: json.loads(p.value) for p in to_onnx(model).metadata_props}


def test_metadata_holds_feature_names_and_estimator(fitted):
    meta = _metadata(fitted("recoil_batchnorm_2_outputs"))
    assert meta["feature_names"] == list(X_TRAIN.columns)
    assert meta["estimator"] == "RecoilDNNRegressor"
    assert meta["target_names"] == ["ux", "uy"]
    assert meta["params"]["batch_norm"] is True and meta["params"]["hidden_layer_sizes"] == [16, 16]
    assert set(meta["outputs"]) == {"prediction"}

    meta = _metadata(fitted("parameterized"))
    assert meta["param_names"] == ["mass"]
    assert meta["param_values"] == {"mass": [500.0, 750.0, 1000.0]}
    assert meta["classes"] == [0, 1]
    assert meta["steps"] == ["ParameterizedNNClassifier"]

    meta = _metadata(fitted("minmax_mass_pipeline"))
    assert meta["steps"] == ["MinMaxScaler", "ShallowMassRegressor"]
    assert meta["feature_names"] == list(X_TRAIN.columns)


def test_parameter_columns_are_inputs(fitted):
    clf = fitted("parameterized")
    at_750 = X_TEST.assign(mass=750.0)
    _assert_close(predict_onnx(to_onnx(clf), at_750), clf.predict_proba(X_TEST, mass=750.0), 1e-6)


def test_saved_file_loads_and_predicts(fitted, tmp_path):
    clf = fitted("shaking")
    path = tmp_path / "shaking.onnx"
    returned = to_onnx(clf, path)
    assert path.stat().st_size > 0
    onnx.checker.check_model(onnx.load(path))
    assert onnx.load(path) == returned
    _assert_close(predict_onnx(path, X_TEST), clf.predict_proba(X_TEST), 1e-6)
    _assert_close(predict_onnx(str(path), X_TEST), clf.predict_proba(X_TEST), 1e-6)


def test_predict_onnx_orders_dataframe_columns(fitted):
    reg = fitted("mass")
    onx = to_onnx(reg)
    reversed_columns = X_TEST[X_TEST.columns[::-1]]
    _assert_close(predict_onnx(onx, reversed_columns), reg.predict(X_TEST), 1e-6, _spread("mass"))
    with pytest.raises(ValueError, match=r"lacks the columns \['pt'\]"):
        predict_onnx(onx, X_TEST.drop(columns="pt"))


@pytest.mark.parametrize("opset", [13, 21])
def test_opsets(fitted, opset):
    reg = fitted("recoil_batchnorm_2_outputs")
    onx = to_onnx(reg, opset=opset)
    assert onx.opset_import[0].version == opset
    assert onx.ir_version == onnx.helper.find_min_ir_version_for(list(onx.opset_import))
    _assert_close(predict_onnx(onx, X_TEST), reg.predict(X_TEST), 1e-6, _spread("recoil"))


def test_bad_arguments(fitted):
    with pytest.raises(ValueError, match="opset must be an integer from 13"):
        to_onnx(fitted("mass"), opset=9)
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        to_onnx(fitted("mass"), dtype="float16")


def test_unsupported_pipeline_step_is_named():
    pipe = make_pipeline(PCA(2), ShallowMassRegressor((4,), **NET))
    with pytest.raises(TypeError, match=r"step 'pca' \(PCA\) cannot be exported.*StandardScaler"):
        to_onnx(pipe)
    with pytest.raises(TypeError, match="final Pipeline step 'linearregression'"):
        to_onnx(make_pipeline(StandardScaler(), LinearRegression()))
    with pytest.raises(TypeError, match="LinearRegression, to ONNX: supported are"):
        to_onnx(LinearRegression())


def test_unfitted_estimator_or_scaler_raises():
    with pytest.raises(NotFittedError):
        to_onnx(RecoilDNNRegressor())
    with pytest.raises(NotFittedError):
        to_onnx(make_pipeline(StandardScaler(), ParameterizedNNClassifier()))


def test_missing_onnx_names_the_export_extra(fitted, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` raise ImportError
    with pytest.raises(ImportError, match=r"'export' extra: pip install 'skhep_models\[export\]'"):
        to_onnx(fitted("mass"))


def test_export_is_a_leaf():
    """Nothing else in the package imports skhep_models.export (or onnx); the CLI may."""
    package = Path(__file__).resolve().parents[2] / "skhep_models"
    for source in package.rglob("*.py"):
        if "export" in source.relative_to(package).parts or source.name == "__main__.py":
            continue
        text = source.read_text()
        assert "skhep_models.export" not in text and ".export import" not in text, source
        assert "import onnx" not in text, source
