"""When a conversation goes to a person: one policy, every decision with a reason code.

Each rule reads the classifiers' labels and a few phrase patterns. The patterns back the classifiers
up on the phrasings that matter most (a customer asking for a person must never be missed), and a
hypothetical or procedural question ("what should I do if my card is stolen?", "how long do
complaints take?") is told apart from the event itself, so it is answered instead of escalated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.domain import EmotionPrediction, HandoffDecision, HandoffReason, Priority, Understanding

# Most urgent first: a turn that meets several rules is filed under the first.
REASON_ORDER: tuple[HandoffReason, ...] = ("risk", "explicit_request", "complaint", "emotion", "unanswered")

RISK_INTENTS = frozenset(
    {
        "card_payment_not_recognised",
        "cash_withdrawal_not_recognised",
        "compromised_card",
        "direct_debit_payment_not_recognised",
    }
)

_FLAGS = re.IGNORECASE

EXPLICIT_REQUEST = re.compile(
    r"\b(speak|talk|chat|connect|transfer|put|get|give|want|need|let)\b[^.?!]{0,30}"
    r"\b(person|human|agent|representative|rep|operator|adviser|advisor|staff|someone|somebody|manager|"
    r"real people|people)\b"
    r"|\b(someone|somebody|anyone|anybody)\b[^.?!]{0,40}\b(speak|talk|chat)\b"
    r"|\bnot (a|the|this) (bot|robot|machine)\b"
    r"|\bno (more )?bots?\b|\b(real|live|actual) (person|human|agent)\b|\bhuman (agent|being|please)\b"
    r"|^\W*(agent|human|representative|operator|person)\W*(please|pls|now)?\W*$"
    r"|转人工|轉人工|人工客服|人工服务|人工服務|人工坐席|找人工|(?<!需)要人工|接人工|人工(?!智能|审核|審核|费|費)|真人|"
    r"专人|專人|不要(机器人|機器人|AI)|(机器人|機器人)(没用|沒用)|"
    r"客服(人员|人員|专员|專員)|接线员|接線員|(找|叫|跟|和|同)(你们|你們)?(的)?(工作人员|工作人員|经理|經理|柜员|櫃員)",
    _FLAGS,
)
ASKS = re.compile(
    r"[?？]|^\s*(?:what|how|when|where|which|who|why|whose|can|could|may|is|are|do|does|did|will|would|"
    r"should|shall|have|has|tell|show|explain|help|please|i (?:want|need|would like)|i'd like|any)\b|"
    r"^\s*(?:能|可以|可否|是否|有没有)|吗|呢|么|怎|如何|多少|几|哪|什么|为什么|能不能|可不可以|是不是|有没有|请|帮我|想(?:要|知道|问|办)|要(?:怎|多)",
    re.IGNORECASE,
)


def asks_something(text: str) -> bool:
    """A question or a request, as opposed to a remark or a statement of fact."""
    return bool(ASKS.search(text))


# "Is there a human-verified step?", "can someone else use my card?": not requests for a person.
NOT_A_REQUEST = re.compile(
    r"\bhuman[- ]verif|\bsomeone else\b|\bsomebody else\b|\bpeople (who|that)\b", _FLAGS
)

RISK_PHRASES = re.compile(
    r"\b(fraud\w*|scam\w*|phish\w*|hack(ed|er)|stolen|stole|theft|unauthori[sz]ed|compromised|skimm\w*)\b"
    r"|\b(didn'?t|did not|never|haven'?t|have not)\b[^.?!]{0,20}"
    r"\b(make|made|authori[sz]\w*|recogni[sz]\w*|withdr[ae]w\w*|buy|bought|approv\w*)\b"
    r"|\b(don'?t|do not)\b[^.?!]{0,20}\b(authori[sz]\w*|recogni[sz]\w*)\b"
    r"|\bnot (mine|me)\b|\bwasn'?t me\b|\bnever been (to|in)\b"
    r"|\bsomeone (used|took|withdrew|has|got|is using|accessed|logged)"
    r"|\b(clicked|opened)\b[^.?!]{0,25}\blink\b|\b(gave|told|shared|sent)\b[^.?!]{0,30}"
    r"\b(code|otp|pin|password|passcode|cvv|card details)\b"
    r"|盗刷|盜刷|被盗|被盜|被偷|偷了|诈骗|詐騙|骗子|騙子|被骗|被騙|钓鱼|釣魚|冒充|盗用|盜用|"
    r"不是我(本人)?(消费|消費|刷|取|操作|买|買|花)|(我)?(没有|沒有|没|沒)(消费|消費|刷|取|买|買|授权|授權|操作)过?"
    r"|陌生(的)?(消费|消費|扣款|交易)|不认识的|不認識的|(完全|根本)不知道|(点|點)了[^。？！]{0,15}(链接|連結|鏈接)|"
    r"(填|输|輸)(了|入)[^。？！]{0,8}(卡号|卡號|密码|密碼|验证码|驗證碼)|(验证码|驗證碼)(给|給|告诉|告訴|发给|發給)|"
    r"(给|給|告诉|告訴)(了)?(对方|對方|他|她|他们|他們)(验证码|驗證碼|密码|密碼)|泄露|洩露|外泄|外洩",
    _FLAGS,
)
HYPOTHETICAL = re.compile(
    r"\b(what (should|do|would|can) (i|you|we) do if|what happens if|in case|if (my|i|someone|a)|"
    r"how (do|can|would|should) (i|you) (report|protect|avoid|prevent|spot|recogni[sz]e|tell)|"
    r"how to (report|protect|avoid|prevent|spot)|tips?)\b"
    r"|如果|假如|万一|萬一|要是|怎么防|怎麼防|如何防|怎样防|怎樣防|如何识别|如何識別|怎么识别|怎麼識別|"
    r"防范|防範|怎么办理挂失|怎樣掛失|如何挂失|如何掛失|怎么挂失|怎麼掛失|"
    r"(怎么|怎麼|如何)(分辨|判断|判斷|辨别|辨別)|\bturn(s|ed)? out\b|\bat first\b|原来是|原來是",
    _FLAGS,
)

FORMAL_COMPLAINT = re.compile(
    r"\b(make|file|lodge|raise|submit|register|open|put in|escalate)\b[^.?!]{0,20}\bcomplaint\b"
    r"|\b(want|wish|going|like|need) to complain\b|\bi('m| am) complaining\b"
    r"|\bthis is a (formal )?complaint\b"
    r"|我要投诉|我要投訴|我想投诉|我想投訴|要投诉|要投訴|投诉你们|投訴你們|正式投诉|正式投訴|"
    r"(提出|提交|发起|發起|进行|進行)(正式)?投[诉訴]|投诉到底|投訴到底|我要举报|我要舉報",
    _FLAGS,
)
# Asking how the complaints process works is an ordinary question.
ABOUT_THE_PROCESS = re.compile(
    r"^\W*(how|what|where|when|which|can i|could i|is there|do you)\b|\bprocess\b|\bprocedure\b|\bhow long\b"
    r"|流程|程序|多久|多长时间|多長時間|怎么投诉|怎麼投訴|如何投诉|如何投訴|怎样投诉|怎樣投訴|渠道",
    _FLAGS,
)

PERSISTENT_EMOTIONS = ("frustrated", "angry")
# Words that turn a negative message into an angry one; the emotion model often calls anger
# "frustrated" or even "confused", and anger must reach a person.
ANGER_CUES = re.compile(
    r"\b(unacceptable|ridiculous|useless|pathetic|disgrace\w*|outrage\w*|furious|fed up|sick of|"
    r"sick and tired|incompetent|joke|worst|wtf|seriously\?)|!{2,}|\?{2,}"
    r"|受够|受夠|气死|氣死|太过分|太過分|什么破|什麼破|垃圾|到底(要|有没有|有沒有|怎么|怎麼|在)|简直|簡直|"
    r"离谱|離譜|忍无可忍|忍無可忍|无语|無語|搞什么|搞什麼|烦死|煩死|靠点谱|靠點譜|！{2,}|？{2,}|[！!][？?]|[？?][！!]",
    _FLAGS,
)
NEGATIVE_EMOTIONS = ("frustrated", "angry", "confused")


@dataclass(frozen=True)
class HandoffSignals:
    """What the policy reads about one turn."""

    text: str
    understanding: Understanding | None
    abstained: bool
    previous_abstentions: int = 0  # consecutive abstentions just before this turn
    earlier_emotions: list[EmotionPrediction] = field(default_factory=list)  # oldest first


@dataclass(frozen=True)
class HandoffPolicy:
    intent_min_confidence: float = 0.5
    risk_intent_min_confidence: float = 0.6
    anger_min_intensity: float = 0.4
    persistent_turns: int = 3
    persistent_min_intensity: float = 0.5
    unanswered_turns: int = 2

    def decide(self, signals: HandoffSignals) -> HandoffDecision:
        found: dict[HandoffReason, str] = {}
        checks: tuple[tuple[HandoffReason, Callable[[HandoffSignals], str]], ...] = (
            ("risk", self._risk),
            ("explicit_request", self._explicit_request),
            ("complaint", self._complaint),
            ("emotion", self._emotion),
            ("unanswered", self._unanswered),
        )
        for reason, check in checks:
            detail = check(signals)
            if detail:
                found[reason] = detail
        if not found:
            return HandoffDecision(decision=False, offer_person=signals.abstained)
        reasons = [r for r in REASON_ORDER if r in found]
        reason = reasons[0]
        return HandoffDecision(
            decision=True,
            reason=reason,
            also=reasons[1:],
            priority=self._priority(reason, signals),
            detail=found[reason],
            offer_person=True,
        )

    def _intent(self, signals: HandoffSignals) -> str | None:
        u = signals.understanding
        if u is None or u.intent.confidence < self.intent_min_confidence:
            return None
        return u.intent.label

    def _risk(self, s: HandoffSignals) -> str:
        if HYPOTHETICAL.search(s.text):
            return ""
        u = s.understanding
        if (
            u is not None
            and u.intent.label in RISK_INTENTS
            and u.intent.confidence >= self.risk_intent_min_confidence
        ):
            return f"intent {u.intent.label}"
        match = RISK_PHRASES.search(s.text)
        return f"said '{match.group(0)}'" if match else ""

    def _explicit_request(self, s: HandoffSignals) -> str:
        if self._intent(s) == "human_agent":
            return "asked for a person"
        match = EXPLICIT_REQUEST.search(s.text)
        if match and not NOT_A_REQUEST.search(s.text):
            return f"asked for a person ('{match.group(0).strip()}')"
        return ""

    def _complaint(self, s: HandoffSignals) -> str:
        match = FORMAL_COMPLAINT.search(s.text)
        if match:
            return f"formal complaint ('{match.group(0)}')"
        satisfied = s.understanding is not None and s.understanding.emotion.label == "satisfied"
        if self._intent(s) == "complaint" and not satisfied and not ABOUT_THE_PROCESS.search(s.text):
            return "complaint"
        return ""

    def _emotion(self, s: HandoffSignals) -> str:
        if s.understanding is None:
            return ""
        now = s.understanding.emotion
        if now.label == "angry" and now.intensity >= self.anger_min_intensity:
            return f"angry (intensity {now.intensity:.2f})"
        cue = ANGER_CUES.search(s.text)
        if cue and now.label in NEGATIVE_EMOTIONS:
            return f"{now.label}, angry words ('{cue.group(0)}')"
        window = [*s.earlier_emotions, now][-self.persistent_turns :]
        if (
            len(window) == self.persistent_turns
            and all(e.label in PERSISTENT_EMOTIONS for e in window)
            and now.intensity >= self.persistent_min_intensity
        ):
            return f"{' then '.join(e.label for e in window)} over {self.persistent_turns} turns"
        return ""

    def _unanswered(self, s: HandoffSignals) -> str:
        # A remark ("hmm that's a bit steep", 有点贵啊) that found no passage is no question left open.
        if s.abstained and asks_something(s.text) and s.previous_abstentions + 1 >= self.unanswered_turns:
            return f"no grounded answer {s.previous_abstentions + 1} turns in a row"
        return ""

    @staticmethod
    def _priority(reason: HandoffReason, s: HandoffSignals) -> Priority:
        if reason == "risk":
            return 1
        angry = s.understanding is not None and (
            s.understanding.emotion.label == "angry" or bool(ANGER_CUES.search(s.text))
        )
        if reason == "complaint" or (reason == "emotion" and angry):
            return 2
        return 3
