"""A tiny random-init BERT classifier with MiniLM's real tokenizer, for fast TransformerClassifier tests."""

from __future__ import annotations

from pathlib import Path


def save_tiny_bert(folder: str | Path) -> str:
    """Save the tiny BERT (2 layers of width 32, torch seed 0) and MiniLM's tokenizer in ``folder``."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from weaksup.endmodel.transformer import minilm_path

    tok = AutoTokenizer.from_pretrained(minilm_path())
    tok.save_pretrained(folder)
    cfg = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64)
    torch.manual_seed(0)
    BertForSequenceClassification(cfg).save_pretrained(folder)
    return str(folder)
