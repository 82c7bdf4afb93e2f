"""Personal data found and masked before a message reaches the LLM, the logs or any store.

Presidio runs with pattern recognizers only, on blank spaCy pipelines (no model download), and
python-stdnum / phonenumbers check each candidate, so a 16-digit order number that fails the Luhn
check, or an 18-digit number with a wrong ID check digit, is left alone. Card numbers keep their last
four digits (as PCI DSS allows); everything else is replaced by its type.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import phonenumbers
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from stdnum import iban, luhn
from stdnum.cn import ric

logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

LANGS = ("en", "zh")
ENTITIES = ("CARD", "CN_ID", "PHONE", "EMAIL", "IBAN", "CVV", "EXPIRY")
# Digits that are not part of a longer run of letters or digits (\b does not separate 号 and 1).
_START, _END = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"


class _BlankSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine with blank pipelines: tokens only, nothing to download."""

    def __init__(self) -> None:
        super().__init__(models=[{"lang_code": lang, "model_name": f"blank:{lang}"} for lang in LANGS])

    def load(self) -> None:
        import spacy

        self.nlp = {lang: spacy.blank(lang) for lang in LANGS}  # type: ignore[assignment]


class _CheckedPattern(PatternRecognizer):
    """A pattern whose matches are kept only when ``check`` accepts their characters."""

    def __init__(self, entity: str, pattern: str, check: object, lang: str) -> None:
        super().__init__(
            supported_entity=entity,
            patterns=[Pattern(entity.lower(), pattern, 0.6)],
            supported_language=lang,
            name=f"{entity}-{lang}",
            # Case-sensitive: an IBAN's country code is upper case, and ignoring case lets a pattern
            # swallow the words after a number.
            global_regex_flags=re.DOTALL | re.MULTILINE,
        )
        self._check = check

    def validate_result(self, pattern_text: str) -> bool:
        return bool(self._check(pattern_text))  # type: ignore[operator]


def _card(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits)


def _cn_id(text: str) -> bool:
    """The check digit and the birth date; not the region, whose official list changes over the years."""
    number = text.upper()
    try:
        ric.get_birth_date(number)
    except ValueError:
        return False
    # ISO 7064 MOD 11-2, as GB 11643 specifies it.
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(number[:17]))
    return "10X98765432"[total % 11] == number[-1]


def _iban(text: str) -> bool:
    return iban.is_valid(text, check_country=False)


def _international_phone(text: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(text, None))
    except phonenumbers.NumberParseException:
        return False


class _StatedSecret(EntityRecognizer):
    """A CVV or expiry date, only where the message says that is what it is; the value alone is masked."""

    def __init__(self, entity: str, pattern: str, lang: str) -> None:
        self._pattern = re.compile(pattern, re.IGNORECASE)
        super().__init__(supported_entities=[entity], supported_language=lang, name=f"{entity}-{lang}")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            RecognizerResult(self.supported_entities[0], m.start("value"), m.end("value"), 0.8)
            for m in self._pattern.finditer(text)
        ]


_CVV = (
    r"(cvv2?|cvc2?|csc|security code|card verification( code| value)?|3[- ]digit code|"
    r"(three|3|last) digits on the back|安全码|安全碼|校验码|校驗碼|(背面|背后|背後)(的)?(三|3)位(数字|數字|数|數|码|碼)?)"
    r"\D{0,15}?(?P<value>(?<!\d)\d{3,4}(?!\d))"
)
_EXPIRY = (
    r"(exp(iry|iration|ires)?( date)?|valid (thru|through|until)|有效期(至|到)?|到期(日|时间|時間)?|過期)"
    r"[^0-9]{0,12}?(?P<value>(?<!\d)(\d{1,2}\s*[/-]\s*\d{2,4}|\d{2}(\d{2})?\s*[-/年.]\s*\d{1,2}\s*月?|"
    r"\d{1,2}\s*月\s*/?\s*\d{2,4}\s*年?))"
)


def _recognizers(lang: str) -> list[EntityRecognizer]:
    return [
        _CheckedPattern("CARD", _START + r"\d(?:[ -]?\d){12,18}" + _END, _card, lang),
        _CheckedPattern("CN_ID", _START + r"\d{17}[\dXx]" + _END, _cn_id, lang),
        _CheckedPattern(
            "PHONE", r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)", lambda _: True, lang
        ),
        _CheckedPattern(
            "PHONE", r"\+\d{1,3}[ -]?\(?\d{1,4}\)?(?:[ -]?\d{2,4}){2,4}" + _END, _international_phone, lang
        ),
        _CheckedPattern(
            "EMAIL",
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            lambda _: True,
            lang,
        ),
        _CheckedPattern(
            "IBAN", _START + r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?" + _END, _iban, lang
        ),
        _StatedSecret("CVV", _CVV, lang),
        _StatedSecret("EXPIRY", _EXPIRY, lang),
    ]


@dataclass(frozen=True)
class PiiFinding:
    type: str
    start: int
    end: int


@dataclass(frozen=True)
class Redaction:
    text: str
    findings: list[PiiFinding]


class PiiRedactor:
    def __init__(self) -> None:
        registry = RecognizerRegistry(supported_languages=list(LANGS))
        for lang in LANGS:
            for recognizer in _recognizers(lang):
                registry.add_recognizer(recognizer)
        self._analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=_BlankSpacyEngine(), supported_languages=list(LANGS)
        )
        self._anonymizer = AnonymizerEngine()

    def redact(self, text: str, lang: str) -> Redaction:
        results = self._analyzer.analyze(
            text=text, language=lang if lang in LANGS else "en", entities=list(ENTITIES)
        )
        if not results:
            return Redaction(text, [])
        operators = {
            entity: OperatorConfig("replace", {"new_value": f"[{entity}]"})
            for entity in ENTITIES
            if entity != "CARD"
        }
        operators["CARD"] = OperatorConfig("custom", {"lambda": _last_four})
        masked = self._anonymizer.anonymize(text=text, analyzer_results=results, operators=operators)  # type: ignore[arg-type]
        findings = sorted((PiiFinding(r.entity_type, r.start, r.end) for r in results), key=lambda f: f.start)
        return Redaction(masked.text, findings)


def _last_four(card: str) -> str:
    digits = re.sub(r"\D", "", card)
    return f"[CARD ****{digits[-4:]}]"
