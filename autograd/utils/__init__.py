"""`autograd.utils`: where PyTorch code finds ``torch.utils.data`` (see `autograd.utils.data`)."""
from . import data

__all__ = ["data"]
