"""Shared fixtures: fixed seeds, and where the real samples live."""

from pathlib import Path

import numpy as np
import pytest
import torch

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _seed_everything():
    np.random.seed(0)
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def shared_data():
    """Path to ../shared/data; skips the test where a fresh clone has no such folder."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real samples not available: {SHARED_DATA} does not exist")
    return SHARED_DATA
