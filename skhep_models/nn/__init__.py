"""Pure ``torch.nn`` building blocks; nothing here imports scikit-learn."""

from ._mlp import ACTIVATIONS, INITIALIZATIONS, MLP
from ._recoil_loss import RecoilResponseLoss
from ._vae import VAE, VAE_OUTPUTS, BetaVAELoss

__all__ = ["MLP", "ACTIVATIONS", "INITIALIZATIONS", "VAE", "VAE_OUTPUTS", "BetaVAELoss", "RecoilResponseLoss"]
