"""Pure ``torch.nn`` building blocks; nothing here imports scikit-learn."""

from ._mlp import ACTIVATIONS, INITIALIZATIONS, MLP

__all__ = ["MLP", "ACTIVATIONS", "INITIALIZATIONS"]
