"""The start of a subprocess script in which ``import torch`` fails, as on a core-only install.

A meta-path finder, not ``sys.modules['torch'] = None``: scipy's array-API helpers look torch up in
``sys.modules`` and would break first.  Shared by the tests of the errors that name the torch extras.
"""

NO_TORCH_PREAMBLE = """
import sys

class NoTorch:  # import torch raises ImportError, as on a core-only install
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError(f"No module named {name!r}")

sys.meta_path.insert(0, NoTorch())
"""
