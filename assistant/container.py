"""The composition root: builds every service from one ``Settings``. Nothing else reads configuration."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import Engine

from assistant.analytics import Ratings
from assistant.channels.keys import ChannelKeys
from assistant.config import Settings
from assistant.errors import TerminalError
from assistant.guard.injection import GUARD_MODELS_DIR, InjectionHead
from assistant.guard.pii import PiiRedactor
from assistant.handoff.conversations import ConversationStore
from assistant.handoff.desk import HandoffDesk, Summarizer
from assistant.handoff.outbox import HandoffOutbox
from assistant.handoff.policy import HandoffPolicy
from assistant.handoff.queue import HandoffQueue
from assistant.ingest.ingestor import Ingestor
from assistant.insight.label_store import Labeler, LabelEvidenceStore
from assistant.insight.labels import LabelBook
from assistant.insight.opinions import OpinionMiner
from assistant.knowledge.curated import CuratedAnswers
from assistant.knowledge.registry import DocumentRegistry
from assistant.knowledge.workflow import FileVersions, KnowledgeBase
from assistant.llm import bundled_model
from assistant.llm.chat_model import ChatModel, OpenAICompatibleChatModel
from assistant.llm.local_server import MODEL_ALIAS, LocalLLMServer, is_healthy
from assistant.llm.resilient import CircuitBreaker, ResilientChatModel
from assistant.pipeline import Pipeline
from assistant.prompts import PromptTemplate, Replies
from assistant.recommend.catalog import Catalog
from assistant.recommend.stage import RecommendStage
from assistant.recommend.store import RecommendationEvents, SqlProfileStore
from assistant.recommend.suitability import SuitabilityPolicy
from assistant.retrieval.answerability import AnswerabilityModel
from assistant.retrieval.embedder import Embedder, build_embedder
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.index import ChromaIndex, VectorIndex
from assistant.retrieval.lexical import IndexWithKeywords, LexicalIndex
from assistant.stages.answer import Answerer
from assistant.stages.guard import InputGuard
from assistant.stages.handoff import HandoffStage
from assistant.stages.understand import UnderstandStage
from assistant.stages.unit_vectors import UnitVectors
from assistant.storage.database import exclusively, open_database
from assistant.storage.lease import Lease
from assistant.storage.migrations import migrate
from assistant.storage.rate_limits import DatabaseRateLimiter
from assistant.storage.turn_log import TurnLog
from assistant.understand.llm import CombinedUnderstander, LLMClassifier
from assistant.understand.local import Understander, load_local_understander

logger = logging.getLogger(__name__)

BANK_NAME = "Lanting Bank (兰亭银行)"


class Services:
    """Lazily built services; tests may pass replacements (a fake chat model, a test embedder)."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        chat_model: ChatModel | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._chat_model = chat_model

    @cached_property
    def embedder(self) -> Embedder:
        return self._embedder or build_embedder(self.settings.embedder)

    @cached_property
    def vectors(self) -> ChromaIndex:
        # One collection per embedder: vectors from different models must never be mixed.
        name = f"{self.settings.collection}-{self.embedder.name}"
        return ChromaIndex.open(
            name,
            persist_dir=self.settings.chroma_path,
            server_url=self.settings.chroma_url,
            timeout_s=self.settings.chroma_timeout_s,
        )

    @cached_property
    def index(self) -> VectorIndex:
        """The vector index; every write also goes to the keyword index, so the two never drift apart."""
        return IndexWithKeywords(self.vectors, self.keywords)

    @cached_property
    def keywords(self) -> LexicalIndex:
        return LexicalIndex(self.database)

    @cached_property
    def database(self) -> Engine:
        # One connection per concurrent turn, and a few for the background loops (sync, outbox).
        engine = open_database(self.settings.database_url, pool_size=self.settings.ui_concurrency + 4)
        migrate(engine)
        return engine

    @cached_property
    def ingestor(self) -> Ingestor:
        return Ingestor(
            self.embedder,
            self.index,
            max_file_bytes=self.settings.max_file_bytes,
            max_chars={"en": self.settings.chunk_max_chars_en, "zh": self.settings.chunk_max_chars_zh},
            registration=FileVersions(self.registry),
        )

    @cached_property
    def registry(self) -> DocumentRegistry:
        return DocumentRegistry(self.database)

    @cached_property
    def knowledge(self) -> KnowledgeBase:
        # Replicas share the database: only the lease holder publishes due versions (and embeds them).
        publisher = Lease(self.database, "publish-due-versions", ttl_s=3 * self.settings.knowledge_sync_s)
        return KnowledgeBase(
            self.registry,
            self.ingestor,
            self.retriever,
            self.settings.staff,
            self.curated,
            publisher=publisher,
        )

    @cached_property
    def curated(self) -> CuratedAnswers:
        return CuratedAnswers(self.database, self.registry)

    @cached_property
    def retriever(self) -> HybridRetriever:
        if self.keywords.count() != self.index.count():
            # A database from before the shared keyword index, or a new database beside an indexed
            # vector store (ingestion skips unchanged documents): caught up once, before any search.
            chunks = self.index.chunks()
            logger.info("Keyword index out of step with the vector index: indexing %d chunks", len(chunks))
            self.keywords.replace_all(chunks)
        return HybridRetriever(
            self.embedder,
            self.index,
            self.keywords,
            top_k=self.settings.retrieval_top_k,
            candidates=self.settings.retrieval_candidates,
            rrf_k=self.settings.rrf_k,
            dense_timeout_s=self.settings.vector_timeout_s,
            search_workers=self.settings.ui_concurrency,
        )

    @cached_property
    def chat_model(self) -> ChatModel:
        if self._chat_model is not None:
            return self._chat_model
        s = self.settings
        endpoint = OpenAICompatibleChatModel(
            base_url=s.effective_llm_url(),
            model=s.llm_model if s.llm_base_url else MODEL_ALIAS,
            api_key=s.llm_api_key.get_secret_value(),
            timeout_s=s.llm_timeout_s,
            first_token_timeout_s=s.llm_first_token_timeout_s,
            temperature=s.llm_temperature,
        )
        breaker = CircuitBreaker(s.llm_breaker_failures, s.llm_breaker_cooldown_s)
        in_flight = s.llm_max_in_flight or (s.ui_concurrency if s.llm_base_url else 1)
        return ResilientChatModel(
            endpoint,
            breaker,
            attempts=s.llm_attempts,
            max_in_flight=in_flight,
            queue_wait_s=s.llm_queue_wait_s,
        )

    @cached_property
    def answerer(self) -> Answerer:
        return Answerer(
            self.chat_model,
            PromptTemplate.load(self.settings.prompts_dir, "answer"),
            bank_name=BANK_NAME,
            max_answer_tokens=self.settings.llm_max_answer_tokens,
            min_dense_similarity=self.settings.min_dense_similarity,
            max_source_chars=self.settings.llm_max_source_chars,
            answerability=(
                AnswerabilityModel.for_embedder(self.embedder.name)
                if self.settings.answerability_check
                else None
            ),
            unit_vectors=UnitVectors(self.embedder) if self.settings.extractive_unit_similarity else None,
        )

    @cached_property
    def turn_log(self) -> TurnLog:
        return TurnLog(self.database)

    @cached_property
    def conversations(self) -> ConversationStore:
        return ConversationStore(self.database)

    @cached_property
    def queue(self) -> HandoffQueue:
        return HandoffQueue(self.database, complaint_due_days=self.settings.complaint_due_days)

    @cached_property
    def outbox(self) -> HandoffOutbox:
        return HandoffOutbox(self.settings.data_dir / "handoff-outbox.jsonl", self.queue)

    @cached_property
    def replies(self) -> Replies:
        return Replies.load(self.settings.prompts_dir)

    @cached_property
    def desk(self) -> HandoffDesk:
        s = self.settings
        use_llm = s.answers == "llm"
        summarizer = Summarizer(
            self.chat_model if use_llm and s.handoff_summary == "llm" else None,
            PromptTemplate.load(s.prompts_dir, "summarize"),
            self.replies,
        )
        return HandoffDesk(
            self.queue,
            self.conversations,
            self.turn_log,
            summarizer,
            self.retriever,
            self.answerer,
            self.replies,
            use_llm=use_llm,
            profiles=self.profiles,
            labeler=self.labeler,
        )

    @cached_property
    def pipeline(self) -> Pipeline:
        s = self.settings
        policy = HandoffPolicy(
            anger_min_intensity=s.handoff_anger_min_intensity, unanswered_turns=s.handoff_unanswered_turns
        )
        guard = InputGuard(
            PiiRedactor(),
            self.replies,
            max_chars=s.max_message_chars,
            rate_limiter=DatabaseRateLimiter(self.database, s.rate_limit_messages, s.rate_limit_window_s),
            embedder=self.embedder,
            head=self.injection_head,
        )
        return Pipeline(
            guard,
            UnderstandStage(self.embedder, self.understander, self.turn_log),
            self.retriever,
            self.answerer,
            HandoffStage(policy, self.queue, self.turn_log, self.replies, self.outbox),
            self.conversations,
            self.turn_log,
            self.replies,
            self.recommender,
            self.curated,
            self.labeler,
        )

    @cached_property
    def channel_keys(self) -> ChannelKeys:
        return ChannelKeys(self.database)

    @cached_property
    def ratings(self) -> Ratings:
        return Ratings(self.database)

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog.load(self.settings.catalog_dir)

    @cached_property
    def opinions(self) -> OpinionMiner:
        return OpinionMiner(self.database, self.embedder, self.catalog)

    @cached_property
    def profiles(self) -> SqlProfileStore:
        return SqlProfileStore(self.database)

    @cached_property
    def recommendation_events(self) -> RecommendationEvents:
        return RecommendationEvents(self.database)

    @cached_property
    def recommender(self) -> RecommendStage:
        s = self.settings
        return RecommendStage(
            self.catalog,
            self.profiles,
            self.recommendation_events,
            self.turn_log,
            SuitabilityPolicy(assessment_valid_days=s.risk_assessment_valid_days),
            every_turns=s.recommendation_every_turns,
            labeler=self.labeler,
        )

    @cached_property
    def labeler(self) -> Labeler:
        return Labeler(
            LabelBook.load(),
            LabelEvidenceStore(self.database),
            self.profiles,
            assessment_valid_days=self.settings.risk_assessment_valid_days,
        )

    @cached_property
    def injection_head(self) -> InjectionHead | None:
        """The learned injection check reads e5 vectors; other embedders get the phrase patterns only."""
        if self.embedder.name != "e5-multilingual":
            return None
        return InjectionHead(GUARD_MODELS_DIR / "injection_head.npz")

    @cached_property
    def understander(self) -> Understander | None:
        """The shipped classifiers read e5 vectors: with another embedder there is no understanding."""
        if self.embedder.name != "e5-multilingual":
            logger.warning("Intent and emotion need the e5-multilingual embedder; understanding is off")
            return None
        local = load_local_understander(use_minilm=self.settings.intent_minilm)
        if not self.settings.understanding_llm:
            return local
        llm = LLMClassifier(self.chat_model, PromptTemplate.load(self.settings.prompts_dir, "classify"))
        return CombinedUnderstander(local, llm, ask_below=self.settings.understanding_llm_below)

    def ensure_knowledge_indexed(self) -> None:
        """A fresh data directory gets the bundled knowledge base, so every command works out of the box."""
        # Replicas starting together on a new database: one ingests, the others then find it done.
        with exclusively(self.database, "first-ingest"):
            self._index_knowledge()

    def _index_knowledge(self) -> None:
        unfinished = self.registry.with_status("indexing")
        if not self.registry.latest_per_document() or unfinished:
            if unfinished:  # an ingest was stopped half-way: the folder's next ingest finishes it
                logger.info("%d document versions were left unfinished: ingesting again", len(unfinished))
            else:
                logger.info("No documents on record: ingesting %s", self.settings.knowledge_dir)
            report = self.ingestor.ingest([self.settings.knowledge_dir])
            logger.info("%s", report.summary())
            left = self.registry.with_status("indexing")
            if left:
                logger.warning(
                    "Still unfinished (from another folder?): %s; run `bank-assistant ingest` on "
                    "their folder again",
                    ", ".join(f"{v.doc_id} v{v.version}" for v in left),
                )
        elif self.index.count() == 0:
            # The registry is the record: a lost or new vector store is rebuilt from it.
            logger.info("Index is empty: republishing %d documents", len(self.knowledge.republish()))


@contextmanager
def local_llm(settings: Settings) -> Iterator[LocalLLMServer | None]:
    """Run the bundled model server while the block runs, unless an endpoint is configured.

    If the model cannot be started the block still runs: answers degrade to extractive ones.
    """
    if settings.llm_base_url or settings.answers != "llm":
        yield None
        return
    if is_healthy(settings.local_llm_url):
        logger.info("Reusing the language model server already at %s", settings.local_llm_url)
        yield None
        return
    try:
        model_path = bundled_model.verified_path(settings.models_dir)
        server = LocalLLMServer(
            model_path,
            host=settings.local_llm_host,
            port=settings.local_llm_port,
            context=settings.local_llm_context,
            log_path=settings.data_dir / "logs" / "llm-server.log",
            threads=settings.local_llm_threads,
            start_timeout_s=settings.local_llm_start_timeout_s,
        )
        server.start()
    except TerminalError as exc:
        logger.warning("Local language model not available (%s); answers will be extractive", exc)
        yield None
        return
    try:
        yield server
    finally:
        server.stop()
