"""One Settings object chooses every backend; read once, at the composition root."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.access import DEFAULT_STAFF, StaffLogin

PROJECT_ROOT = Path(__file__).resolve().parent.parent

EmbedderName = Literal["e5-multilingual", "minilm-en"]
AnswerMode = Literal["llm", "extractive"]


class Settings(BaseSettings):
    """Configuration from environment variables prefixed ``BANK_ASSISTANT_`` (or a ``.env`` file)."""

    model_config = SettingsConfigDict(env_prefix="BANK_ASSISTANT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="All state lives here.")
    knowledge_dir: Path = PROJECT_ROOT / "knowledge" / "docs"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    catalog_dir: Path = PROJECT_ROOT / "knowledge" / "catalog"

    # Language model: any OpenAI-compatible endpoint; none configured -> the bundled local server.
    llm_base_url: str | None = None
    llm_model: str = "local"
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_timeout_s: float = 60.0
    llm_first_token_timeout_s: float = 30.0
    llm_max_answer_tokens: int = 320
    # The prompt's sources budget: the passages' best sentences and rows up to this many characters.
    llm_max_source_chars: int = 1200
    llm_temperature: float = 0.1
    local_llm_host: str = "127.0.0.1"
    local_llm_port: int = 8765
    local_llm_context: int = 4096
    local_llm_threads: int | None = None
    local_llm_start_timeout_s: float = 180.0
    answers: AnswerMode = "llm"
    llm_attempts: int = 3  # per call, before the first token; then the extractive answer
    llm_breaker_failures: int = 3  # failed calls in a row that open the circuit
    llm_breaker_cooldown_s: float = 30.0
    # Calls streaming at once: the bundled llama.cpp server answers one at a time; an endpoint of your
    # own gets as many as the UI runs turns unless set. A turn waits llm_queue_wait_s for a free one,
    # then answers extractively.
    llm_max_in_flight: int | None = None
    llm_queue_wait_s: float = 3.0

    # Retrieval
    embedder: EmbedderName = "e5-multilingual"
    chroma_url: str | None = Field(default=None, description="e.g. http://127.0.0.1:8000; unset = embedded")
    collection: str = "knowledge"
    retrieval_top_k: int = 4
    retrieval_candidates: int = 20
    # Each list holds 20 candidates, not the thousands RRF's usual k = 60 was set for: a smaller k lets
    # a clear first place in one list count (figures right on the 180 set 0.87 -> 0.89 EN; retrieval set
    # MRR unchanged at 0.88, section hit@5 0.92 -> 0.93). k = 5 cost retrieval-set MRR 0.02.
    rrf_k: int = 10
    vector_timeout_s: float = 5.0  # a slower vector search is dropped for keyword search alone
    chroma_timeout_s: float = 30.0  # any one request to a Chroma server (start-up, ingestion batches)
    # Below this cosine similarity of the best passage the sources cannot answer: abstain.
    min_dense_similarity: float = 0.83
    # Above it, the trained answerability check (retrieval signals) decides; off = the floor alone.
    answerability_check: bool = True
    # Extractive answers weigh each sentence's embedding similarity to the question. A passage's
    # sentences are embedded the first time it is quoted (then kept): ~20 ms a sentence, once.
    extractive_unit_similarity: bool = True

    # Understanding: English intents also use the fine-tuned MiniLM (off = embedding heads only, faster)
    intent_minilm: bool = True
    # Ask the configured LLM when the shipped classifiers' intent confidence is below the bar.
    understanding_llm: bool = False
    understanding_llm_below: float = 0.6

    # Ingestion
    max_file_bytes: int = 20 * 1024 * 1024
    knowledge_sync_s: float = 60.0  # how often `serve` publishes versions whose effective date came

    # Input guard limits
    max_message_chars: int = 2000
    rate_limit_messages: int = 20  # per customer (a guest: per address), in any rate_limit_window_s
    rate_limit_window_s: float = 60.0
    chunk_max_chars_en: int = 900
    chunk_max_chars_zh: int = 450

    # Application database (turn log, conversations, handoff queue): SQLite in data_dir unless a
    # SQLAlchemy URL is given, e.g. postgresql+psycopg://user:password@host/bank_assistant
    database: str | None = None

    # Handoff to a person
    complaint_due_days: int = 15
    outbox_retry_s: float = 30.0  # how often handoffs kept during a database outage are filed again
    handoff_anger_min_intensity: float = 0.7
    handoff_unanswered_turns: int = 2
    handoff_summary: Literal["llm", "extractive"] = "llm"

    # Evaluation: LLM-judged ragas metrics run only against a judge endpoint configured here.
    judge_base_url: str | None = None
    judge_model: str = "judge"
    judge_api_key: SecretStr = SecretStr("not-needed")

    # Recommendations
    risk_assessment_valid_days: int = 365  # an older investor risk assessment allows R1 products only
    recommendation_every_turns: int = 3  # at most one offer in this many turns of a conversation

    # Staff logins and roles, as JSON: {"alice": {"password": "...", "roles": ["agent"]}}.
    # The defaults are for development only; any other environment refuses them at start-up.
    environment: Literal["development", "staging", "production"] = "development"
    staff: dict[str, StaffLogin] = DEFAULT_STAFF

    # Web UI
    # Behind a reverse proxy that sets X-Real-IP (deploy/nginx.conf): a guest's rate limit counts
    # against that address. Off when clients reach the app directly, since they could set it.
    behind_proxy: bool = False
    host: str = "127.0.0.1"
    port: int = 7860
    # How many customers' turns run at once; the dense-search pool and the database pool are sized from
    # it, so a busy app neither drops to keyword search nor waits for a connection.
    ui_concurrency: int = 16

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.data_dir / 'assistant.db'}"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def local_llm_url(self) -> str:
        return f"http://{self.local_llm_host}:{self.local_llm_port}/v1"

    def effective_llm_url(self) -> str:
        return self.llm_base_url or self.local_llm_url
