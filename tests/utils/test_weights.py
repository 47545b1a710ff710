"""flat_spectrum_weights: flat (or power-law) weighted spectra, caps, errors."""

import numpy as np
import pytest

from skhep_models.utils import flat_spectrum_weights


def test_weighted_histogram_is_flat_and_weights_average_one():
    rng = np.random.default_rng(0)
    pt = rng.exponential(10, 20_000)
    bins = np.arange(0, 41, 5)
    w = flat_spectrum_weights(pt, bins)
    assert w.mean() == pytest.approx(1.0)
    # overflow events count in the last bin
    idx = np.clip(np.digitize(pt, bins) - 1, 0, len(bins) - 2)
    per_bin = np.bincount(idx, weights=w)
    np.testing.assert_allclose(per_bin, per_bin.mean(), rtol=1e-12)


def test_power_one_follows_the_bin_centres():
    rng = np.random.default_rng(1)
    pt = rng.uniform(0, 30, 5000)
    bins = [0, 10, 20, 30]
    w = flat_spectrum_weights(pt, bins, power=1.0)
    per_bin = np.bincount(np.digitize(pt, bins) - 1, weights=w)
    np.testing.assert_allclose(per_bin / per_bin[0], [1, 3, 5], rtol=1e-12)


def test_sample_weight_multiplies_and_cap_limits():
    pt = np.array([1.0, 1.0, 1.0, 1.0, 15.0])
    w = flat_spectrum_weights(pt, [0, 10, 20])
    np.testing.assert_allclose(w, [0.625, 0.625, 0.625, 0.625, 2.5])
    capped = flat_spectrum_weights(pt, [0, 10, 20], max_weight=1.5)
    assert capped.max() / capped.mean() < 2.5 and capped.mean() == pytest.approx(1.0)
    sw = np.array([2.0, 0.0, 1.0, 1.0, 1.0])
    got = flat_spectrum_weights(pt, [0, 10, 20], sample_weight=sw)
    assert got[1] == 0 and got[0] == pytest.approx(2 * got[2])
    # the first bin's total equals the second's
    assert got[:4].sum() == pytest.approx(got[4])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"values": [1.0, np.nan]}, "NaN"),
        ({"bins": [0, 0, 1]}, "strictly increasing"),
        ({"bins": [0]}, "at least two"),
        ({"max_weight": 0}, "max_weight"),
        ({"sample_weight": [1.0, -1.0]}, "non-negative"),
        ({"sample_weight": [1.0]}, "shape"),
        ({"sample_weight": [0.0, 0.0]}, "zero"),
        ({"power": -1.0, "bins": [-1, 1]}, "power"),
    ],
)
def test_errors(kwargs, match):
    args = {"values": [1.0, 2.0], "bins": [0, 5]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        flat_spectrum_weights(args.pop("values"), args.pop("bins"), **args)
