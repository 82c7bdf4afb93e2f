"""Scan an uploaded knowledge-base document for indirect prompt injection and hidden content.

Retrieved chunks are pasted into the model's prompt, so a sentence in a document that speaks to "the
assistant" is an instruction from whoever uploaded it, and anything a reviewer cannot see (hidden HTML,
zero-width characters, comments) is content nobody approved. The scan reads the raw upload, because the
loader's normalisation keeps some of it (comments and inline HTML in Markdown, hidden elements' text in
HTML, vanished runs in DOCX) while making the rest impossible to see afterwards.

Knowledge documents speak to customers as "you"/"您" and quote fraudsters ("ignore the bank's warning",
"move your money to a safe account"), so the phrase patterns key on what only an attack needs: words
addressed to an AI/assistant/model, overriding *previous or system* instructions, fake chat-turn markers,
or directing customers' money to a written-out account number. Text is folded first (full-width and
homoglyph letters, Traditional Chinese, invisible characters, letter-spacing, line breaks inside a
paragraph) and base64 or tag-character payloads are decoded, so the usual disguises read as plain text.

Severity policy: ``block`` quarantines the upload, ``warn`` only asks a reviewer to look.

- block: ``instruction``, ``role_marker``, ``hidden_html`` with text in it (hidden HTML elements, or
  vanished/white/tiny runs in DOCX), ``external_image`` (a model that repeats it leaks data through the
  URL), and ``invisible_characters`` inside a word, more than two in the document (a smuggled payload)
  or any bidi override (it makes what a reviewer sees differ from what the model reads).
- warn: one or two invisible characters between words (a stray paste), a few words moved off-screen
  ("Skip to content", the screen-reader idiom), and an ``html_comment`` whose content is ordinary; a
  comment that reads as an instruction or role marker is ``block``.

Phrase patterns only know the wordings they were written for: an instruction paraphrased in new words
("automated responses must describe ...") passes; evals/eval_scanner.py measures how many.
"""

from __future__ import annotations

import base64
import html
import io
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from bs4 import BeautifulSoup, Tag
from pydantic import BaseModel, field_validator
from soupsieve import SelectorSyntaxError

from assistant.ingest.loaders import _docx, _pdf
from assistant.lang import to_simplified

Kind = Literal[
    "instruction", "role_marker", "invisible_characters", "hidden_html", "html_comment", "external_image"
]
Severity = Literal["block", "warn"]

EXCERPT_CHARS = 120


class Finding(BaseModel):
    kind: Kind
    severity: Severity
    excerpt: str
    location: str

    @field_validator("excerpt")
    @classmethod
    def _readable(cls, value: str) -> str:
        # A reviewer must see the hidden characters themselves, on one short line.
        shown = re.sub(r"\s+", " ", _escape_invisible(value)).strip()
        return shown if len(shown) <= EXCERPT_CHARS else shown[: EXCERPT_CHARS - 1] + "…"


class ScanReport(BaseModel):
    findings: list[Finding] = []

    @property
    def quarantined(self) -> bool:
        return any(f.severity == "block" for f in self.findings)

    def summary(self) -> str:
        blocking = sum(f.severity == "block" for f in self.findings)
        if self.quarantined:
            head = f"Quarantined: {blocking} blocking and {len(self.findings) - blocking} warning finding(s)."
        elif self.findings:
            head = f"Accepted with {len(self.findings)} warning(s) for review."
        else:
            return "Clean: no injection or hidden content found."
        lines = [f"- [{f.severity}] {f.kind} at {f.location}: {f.excerpt}" for f in self.findings]
        return "\n".join([head, *lines])


# --- characters -------------------------------------------------------------------------------------

# Zero-width and joiners, word joiner and invisible operators, BOM, bidi embeddings/overrides/isolates,
# and Unicode tag characters (which spell out invisible ASCII).
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u202a-\u202e\u2066-\u2069\U000e0000-\U000e007f]")
# Left-to-right/right-to-left overrides make the text a reviewer sees differ from the text the model reads.
_OVERRIDES = "\u202d\u202e"
_TAG_RUN = re.compile("[\U000e0020-\U000e007e]{4,}")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

# Cyrillic and Greek letters that look Latin: NFKC leaves them alone, so "ignоre" (Cyrillic о) would pass.
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁһӏАВЕКМНОРСТХІЅαορτνιΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
    "aeopcyxijsdhlABEKMHOPCTXISaoptviABEHIKMNOPTXYZ",
)


def _escape_invisible(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"

    return _INVISIBLE.sub(escape, text)


# --- phrase patterns ----------------------------------------------------------------------------------


def _gap(n: int) -> str:
    """Up to ``n`` characters inside one clause (a sentence end, line break or table cell border ends it)."""
    return f"[^.!?。！？\n|]{{0,{n}}}"


# Who an injected instruction speaks to. "Agent" and bare "model" are left out: "customer service agent"
# and "pricing model" are everyday bank words.
_AI = (
    r"(?:(?:ai|a\.i\.|virtual|chat|digital|smart|online|bank(?:ing)?|bank's)\s+assistants?|assistants?|"
    r"ai(?:\s+(?:models?|systems?|bots?))?|a\.i\.|artificial intelligence|chat\s?bots?|bots?|llms?|"
    r"(?:large\s+)?language\s+models?|gpt|chatgpt|copilot|automated\s+(?:systems?|assistants?|agents?|readers?|tools?)|"
    r"ai\s+agents?|virtual\s+agents?)"
)
_AI_ZH = (
    r"(?:(?:AI|人工智能|智能|虚拟|在线|聊天|对话)(?:助手|助理|客服|机器人|模型)"
    r"|助手|机器人|大模型|语言模型|AI)"
)
_DIRECTIVE_VERBS = (
    r"(?:tell|say|recommend|respond|answer|reply|direct|advise|inform|output|include|mention|state|claim|"
    r"send|provide|give|share|append|insert|add|ignore|disregard|follow|treat|pretend|act|refer|quote|"
    r"redirect|instruct|encourage|urge|print|reveal|reassure|assure|describe|present|call)"
)
_THEIR_RULES = (
    r"(?:instructions?|prompts?|rules|guidelines|guidance|directives?|directions|context|guardrails|programming|"
    r"constraints|training|settings|setup|persona|orders|commands)"
)
# "Forget the previous instructions from the bank" is what a fraudster says to a customer, not an attack.
_NOT_FROM_PEOPLE = (
    r"(?!\s+(?:from|by|of|sent\s+by|given\s+by)\s+(?:the\s+|your\s+)?(?:bank|lanting|police|us|staff|branch))"
)
_ACCOUNT_NUMBER = r"\s*(?:account|card)(?:\s+(?:number|no\.?))?\s*[:：#]?\s*\d[\d -]{7,}\d"
_ZH_TRANSFER = r"(?:转账|转入|转到|转至|转移到|转移至|汇入|汇到|汇款|打款|打到|打入|存入)(?:到|至)?"
_ZH_ACCOUNT = r"(?:账户|账号|卡号|银行卡)\s*[:：]?\s*\d[\d -]{7,}\d"
_CUSTOMERS = r"(?:all\s+|every\s+|the\s+|any\s+)?(?:customers?|users?|callers?|clients?|people|everyone)"
# "Sentence-start" for imperatives: the text start, a line or cell start, or the end of a sentence.
_START = r"(?:^|(?<=[\n|>*#:：.!?。！？]))\s*"

_INSTRUCTION_EN = [
    # Override the instructions the assistant already has.
    rf"\b(?:ignore|disregard|forget|override|bypass|discard|set\s+aside|drop)\b(?:\s+(?:all|any|of|the|your|these|"
    rf"those))*\s+(?:previous|prior|above|earlier|preceding|former|original|initial|system|developer|safety)\b"
    rf"{_gap(20)}\b{_THEIR_RULES}\b{_NOT_FROM_PEOPLE}",
    rf"\b(?:ignore|disregard|forget|override|bypass|pay\s+no\s+attention\s+to)\b{_gap(15)}\b(?:system\s+"
    rf"(?:prompt|message)|your\s+(?:\w+\s+)?(?:{_THEIR_RULES}|configuration))\b",
    rf"\byour\s+(?:previous|prior|earlier|original|old|initial|current)\s+{_THEIR_RULES}\s+(?:are|is)\s+(?:now\s+)?"
    r"(?:void|cancell?ed|revoked|obsolete|invalid|replaced|suspended|no\s+longer\s+(?:valid|in\s+force|apply))",
    r"\byou\s+now\s+(?:work|act|speak|answer|respond)\s+(?:for|as|on\s+behalf\s+of)\b",
    r"\b(?:ignore|disregard|forget)\s+(?:all|everything)\s+(?:above|before|previous|prior|(?:that\s+)?you\s+"
    r"(?:were|have\s+been)\s+told)\b",
    r"\b(?:do\s+not|don't|stop|no\s+longer|never)\s+(?:follow(?:ing)?|obey(?:ing)?)\s+(?:the\s+|your\s+)?"
    r"(?:previous|prior|original|system|developer|safety|earlier)\s+(?:instructions|rules|guidelines|prompt)",
    r"\b(?:no\s+longer|not)\s+(?:bound|restricted|limited)\s+by\s+(?:the|your|any)\s+(?:rules|guidelines|policies|"
    r"instructions|restrictions)",
    rf"\b(?:supersedes?|overrides?|replaces?|takes?\s+precedence\s+over)\s+(?:all\s+|any\s+)?(?:your|the\s+"
    rf"(?:system|previous|original))\s+(?:\w+\s+)?{_THEIR_RULES}\b",
    r"\b(?:new|real|actual|true|secret|hidden|system)\s+(?:system\s+)?(?:instructions?|directives?|prompt)\s*[:：]",
    r"\b(?:system|admin|developer)\s+override\b|\bdo\s+anything\s+now\b|\byour\s+new\s+(?:task|role|job|goal)\b",
    r"\b(?:enter|enable|activate|switch\s+to)\s+(?:developer|debug|god|admin|jailbreak|dan|unrestricted)\s+mode\b",
    # Give the assistant a new identity.
    rf"\byou\s+are\s+(?:now|no\s+longer)\b{_gap(30)}\b(?:{_AI}|dan|mode|persona|character|unrestricted|"
    r"unfiltered|jailbroken)\b",
    r"\bfrom\s+now\s+on,?\s+(?:you|the\s+assistant|the\s+ai)\s+(?:are|will|must|should|shall)\s+"
    r"(?:(?:always|only|never|now)\s+)?(?:act|behave|respond|answer|reply|pretend|role-?play|ignore|disregard|obey)\b",
    rf"\b(?:act|behave|pretend|role-?play)\s+(?:as|like|to\s+be)\s+(?:an?\s+|the\s+)?(?:unrestricted|unfiltered|"
    rf"jailbroken|evil|dan\b|{_AI}\s+(?:without|with\s+no))",
    # Speak to the assistant directly.
    rf"\b(?:note|message|instructions?|directives?|reminder|notice|attention|memo|hint|tip|request|important|"
    rf"info(?:rmation)?|guidance|update|warning)s?\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:\w+\s+)?{_AI}\b",
    r"\b(?:whoever|anyone|anything|whatever|the\s+(?:program|system|tool|software|service))\s+(?:that\s+|who\s+)?"
    r"(?:generates?|writes?|produces?|composes?|drafts?)\s+(?:the\s+)?(?:answers|responses|replies)\b",
    rf"\b(?:should|must|shall|will|can)\s+(?:the|our|this|any)\s+{_AI}\s+{_DIRECTIVE_VERBS}\b"
    rf"|\byou\s*,?\s*(?:the|our|as\s+the)\s+{_AI}\b",
    r"\bthe\s+only\s+(?:valid|real|true|genuine)\s+(?:instructions?|rules?|directives?)\b",
    rf"(?:^|[\n:：>*#-])\s*(?:dear|hey|hi|hello|attention)\s+{_AI}\b",
    rf"\bif\s+you\s+are\s+(?:an?\s+|the\s+)?{_AI}\b|\bas\s+(?:an?|the)\s+(?:\w+\s+){{0,2}}{_AI}\s*,\s*you\b",
    rf"\b{_AI}\s+(?:reading|processing|summari[sz]ing|indexing|answering|responding)\b",
    rf"\b(?:the|any|every|all|our|this)\s+(?:{_AI}|models?)\s*,?\s+(?:must|should|shall|needs?\s+to|has\s+to|is\s+"
    rf"(?:required|instructed|expected)\s+to|are\s+(?:required|instructed|expected)\s+to)\s+(?:(?:always|never|not|"
    rf"only|now|also|instead)\s+)?{_DIRECTIVE_VERBS}\b",
    rf"(?:^|[\n:：>*#-])\s*{_AI}\s*[,，]\s*(?:please\s+|you\s+must\s+|always\s+|never\s+)?{_DIRECTIVE_VERBS}\b",
    rf"\b{_AI}\s*[:：,，]\s*(?:please\s+)?(?:always|never|you\s+must|you\s+should|do\s+not|don't|ignore|disregard|"
    r"forget|from\s+now\s+on|make\s+sure|be\s+sure|remember\s+to)\b",
    rf"{_START}(?:\*\*|__)?(?:{_AI}|models?|system)\s+(?:instructions?|prompt|notes?|directives?|rules)\s*(?:\*\*|__)?"
    r"\s*[:：]",
    rf"\b{_AI}\s+(?:is|are)\s+(?:now\s+)?(?:authori[sz]ed|permitted|instructed|required)\s+to\b",
    r"\b(?:when|while|if|before|after)\s+(?:you\s+)?(?:summari[sz]ing|summari[sz]e|answering\s+from|responding\s+from)"
    r"\s+(?:this|the)\s+(?:page|document|article|file|text|section)\b",
    r"\b(?:answering|responding|replying)\s+(?:from|using|based\s+on)\s+this\s+(?:page|document|article|file|text)\b",
    r"\b(?:respond|reply|answer|talk|speak|behave|act)\s+(?:to\s+(?:users|customers|people|everyone)\s+)?as\s+if\s+"
    r"you\s+(?:were|are)\b",
    # Reveal the assistant's instructions.
    rf"\b(?:reveal|print|output|repeat|show|display|disclose|leak|dump|recite|share)\b{_gap(20)}\b(?:your|the)\s+"
    r"(?:(?:full|entire|original|initial|hidden|secret|internal|exact)\s+)*(?:system\s+prompt|system\s+message|"
    r"prompt|instructions\s+you\s+(?:were|have\s+been)\s+given|(?:initial|hidden|original|system)\s+instructions|"
    r"configuration|guardrails)\b",
    # Tell customers something on the uploader's behalf.
    rf"\b(?:always|please|make\s+sure\s+(?:to|you)|be\s+sure\s+to|you\s+must|you\s+should|you\s+will)\s+(?:tell|"
    rf"inform|advise|instruct|remind|direct|urge|reassure|assure|recommend\s+(?:to|that))\s+{_CUSTOMERS}\b",
    rf"(?<!we\s)(?<!we'll\s)(?<!will\s)\btell\s+{_CUSTOMERS}\s+(?:to|that)\b",
    r"\bwhen\s+(?:customers?|users?|someone|anyone|people|callers?)\s+(?:asks?|enquires?|inquires?|mentions?)\b"
    r"[^.!?\n|]{0,60}(?:,|\bthen)\s*(?:always\s+)?(?:say|tell\s+them|reply|respond|answer|direct\s+them|refer\s+"
    r"them|send\s+them|give\s+them|recommend|instruct)\b",
    rf"{_START}when\s+(?:answering|responding|replying)\b[^.!?\n|]{{0,60}},\s*(?:always\s+)?(?:say|state|claim|"
    r"tell\s+(?:them|the\s+customer|the\s+user)|mention|recommend|quote)\b",
    rf"{_START}(?:please\s+)?(?:answer|respond\s+to|reply\s+to)\s+(?:all|every|any|each)\s+(?:\w+\s+){{0,2}}"
    r"(?:questions?|queries|enquiries|requests)\b[^.!?\n|]{0,40}\b(?:with\s+[\"'“‘]|by\s+(?:saying|directing|"
    r"telling|referring|sending|recommending|asking))",
    r"\b(?:do\s+not|don't|never|must\s+not|should\s+not)\s+(?:mention|bring\s+up|acknowledge)\b(?!\s+(?:your|you)\b)"
    r"(?![^.!?\n|]{0,40}\bto\s+(?!(?:the\s+|any\s+)?(?:customers?|users?|clients?|callers?)\b))",
    r"\b(?:in|at\s+the\s+end\s+of|append\s+to|add\s+to)\s+(?:every|each|all|any)\s+(?:answers?|responses?|replies|"
    r"outputs?|conversations?|chats?)\b|\bsay\s+to\s+(?:every|all|each|any)\s+(?:customers?|users?|callers?|clients?)\b",
    # Send money to a written-out account, on instruction or to a "special" account: what a poisoned policy
    # update is for. A worked example ("if you pay ¥2,000 into account 6222 ...") is neither.
    rf"\b(?:transfer|move|send|pay|deposit|remit|wire)\b{_gap(40)}\b(?:to|into)\s+(?:the\s+|a\s+|our\s+)?(?:following|"
    rf"new|safe|secure|designated|holding|verification|special|temporary|protected|this){_ACCOUNT_NUMBER}",
    rf"\b(?:must|should|need\s+to|needs\s+to|have\s+to|has\s+to|required\s+to|please|immediately)\s+(?:\w+\s+){{0,3}}"
    rf"(?:transfer|move|send|pay|deposit|remit|wire)\b{_gap(40)}\b(?:to|into)\s+(?:the\s+|a\s+|our\s+)?\w*"
    rf"{_ACCOUNT_NUMBER}",
]
_INSTRUCTION_ZH = [
    r"忽略(?:掉)?(?:你|您)?(?:之前|以上|上面|前面|先前|此前|上述|原有|原来|原先|原始|系统|一切|所有的?(?:之前|以上|先前)?)"
    r"(?:的|所有|全部|收到的|给出的|设定的){0,2}(?:系统)?(?:指令|指示|提示词?|设定|规则|约束|限制)",
    r"(?:无视|不要理会|不必理会|不用理会|不要遵守|不必遵守|无需遵守|不再遵守|绕过|跳过|抛开|撇开|丢弃|覆盖)"
    r"(?:你的|系统的?|之前的?|以上的?|上面的?|前面的?|原有的?|原来的?|先前的?|此前的?|所有的?)(?:所有的?|全部的?)?"
    r"(?:系统)?(?:提示词?|指令|指示|设定|规则|限制|约束)",
    # "你" speaks to the assistant: Chinese bank documents address customers as "您".
    r"(?:无视|忽略|忘掉|忘记|抛开|丢掉|不要理会|不要遵守)你(?:的|之前|以前|原来|原先|原有|先前)?[^。！？\n|]{0,8}"
    r"(?:指令|指示|提示词?|设定|人设|规则|约束|限制|身份)",
    r"(?:之前|以上|上面|前面|先前|此前)的?(?:所有|全部)?(?:指令|指示|提示词?|设定)(?:都|全部|均|一律)?"
    r"(?:已经?)?(?:作废|无效|失效|不再适用|不算数?)",
    r"(?:新的?|真正的|最新)(?:系统)?(?:指令|提示词)\s*[:：]",
    rf"你现在(?:是|扮演|变成|成为|作为){_gap(12)}(?:{_AI_ZH}|角色|模式|DAN|GPT)",
    rf"(?:现在|从现在|今后|此后)(?:开始|起)?[，,]?\s*你(?:就是|将是|是|扮演|成为)[^。！？\n|]{{0,12}}"
    rf"(?:{_AI_ZH}|角色|模式|DAN|GPT)",
    r"(?:从现在(?:开始|起)|今后|此后)[，,]?\s*你(?:是|要|必须|将|只能|只|应该|应|需要|得)[^。，\n]{0,4}"
    r"(?:回答|回复|扮演|忽略|告诉|说|输出|推荐|引导|遵守)",
    rf"(?:开发者|越狱|无限制|上帝|调试)模式|(?:扮演|假装|充当)[^。\n]{{0,8}}(?:无限制|不受限制|越狱|DAN)"
    rf"|(?:没有|不受|无)(?:任何)?限制的(?:{_AI_ZH})",
    rf"致(?:{_AI_ZH})|(?:给|对)(?:{_AI_ZH})的(?:说明|指令|提示|备注|要求)|如果你是(?:一个|一名)?(?:{_AI_ZH})"
    rf"|作为[^。！？\n|]{{0,8}}(?:{_AI_ZH})[，,]",
    rf"(?:注意|提示|备注|说明|通知|警告|重要)[，,：:\s]*(?:{_AI_ZH})\s*[：:，,]|(?:{_AI_ZH})(?:须知|注意事项)"
    rf"|(?:各位|亲爱的|尊敬的)(?:{_AI_ZH})|{_START}(?:AI|大模型|语言模型|模型)(?:们)?\s*[：:]",
    rf"(?:给|对|致)(?:{_AI_ZH})的[^。！？\n|]{{0,4}}(?:说明|指令|指示|提示|备注|要求|规则)",
    r"把(?:你的|之前|以上|上面|前面|先前|此前|原有|原来|所有)的?(?:所有|全部)?(?:指令|指示|提示词?|设定|规则|约束|限制)"
    r"(?:全部|都|统统)?(?:忘掉|忘记|忽略|删除|清除|丢掉|作废)",
    r"优先于(?:你的|系统|之前|原有|以上)[^。！？\n|]{0,6}(?:设定|指令|规则|提示词?)",
    r"当(?:客户|用户|来电者|有人)(?:问|询问|咨询|问到|提到|问起)[^。！？\n|]{0,15}(?:时|的时候)[，,]?\s*(?:请|务必|一律|要|就)?"
    r"(?:让|告诉|引导|回答|回复|说|推荐|建议)",
    r"(?:总结|概括|摘要|归纳)(?:本页|本文|本文件|此页|这篇|该文档|本文档)(?:内容)?时|(?:生成|给出|输出)(?:回答|回复|答复)时",
    rf"(?:{_AI_ZH})(?:们)?\s*[，,：:]?\s*(?:请|必须|务必|应当?|需要|一律|总是|始终|只能|不得|不要|禁止|切勿|"
    r"在回答|回答时|回复时)",
    r"(?<!我行)(?<!银行)(?<!本行)(?:请|务必|一律|总是|始终|必须)(?:主动|要)?(?:告诉|告知|引导|要求|指引|让|建议)"
    r"(?:所有|每位|每个)?(?:客户|用户|来电者|咨询者)(?!经理)",
    r"你(?:需要|必须|要|应该|应当|务必|得)(?:告诉|告知|通知|引导|提醒|建议|让|要求)(?:所有|每位)?(?:客户|用户|来电者)",
    r"(?:请|务必|一律|总是|始终|必须)(?:向|对)(?:所有|每位)?(?:客户|用户|来电者)(?!经理)(?:说|表示|声称|推荐|强调|提供)",
    r"(?:回复|回答|答复|接待|应答)(?:客户|用户|问题|咨询|来电)?[^。！？\n|]{0,10}时[，,]?\s*(?:务必|必须|一律|总是|始终|"
    r"请|要|只能)(?:推荐|说|表示|称|告诉|回答|强调|引导|提供)",
    r"(?:不要|请勿|不得|切勿|禁止|不准|别)(?:向|对|跟)(?:客户|用户|来电者)(?!经理)(?:提及|提到|透露|说明|披露|说)",
    r"(?:不要|请勿|不得|切勿|禁止)(?:提及|提到|透露)(?:本|此|这|这条|该)(?:条|段)?(?:指令|说明|提示|消息|内容)"
    r"|(?:不要|不得|切勿|禁止|别)提(?:及|到)?(?:风险|费用|违约金|手续费|罚息|利息|投诉)",
    r"(?:回答|回复|答复|输出)的?(?:末尾|结尾|最后)(?:加上|附上|添加|加入|补充|写上|注明)"
    r"|(?:回答|回复|答复)时[，,]?\s*(?:把|将)[^。！？\n|]{0,12}(?:说成|说为|称为|改成|写成)"
    r"|(?:对|向|跟)(?:每一?位|每个|所有|全部)[^。！？\n|]{0,10}(?:客户|用户|来电者)(?:都|一律|均)?(?:说|表示|称|介绍|推荐|回答)"
    r"|负责(?:回答|回复|答复|生成)[^。！？\n|]{0,6}的(?:程序|系统|模型|工具|机器人|助手)|唯一(?:有效|真正)的(?:指令|规则|指示)",
    r"(?:在|于)?(?:每(?:一)?(?:个|条|次)|所有)(?:回答|回复|答复|输出)(?:中|里|末尾|结尾|后面|最后)"
    r"|(?:加到|附在|附到|放在|放到)(?:你的)?(?:每(?:一)?(?:个|条|次)|所有)(?:回答|回复|答复|输出)",
    r"(?:输出|泄露|透露|显示|打印|复述|重复|展示|公开|说出|告诉[^。\n]{0,4})(?:你的|您的)?(?:完整的?|全部)?"
    r"(?:系统提示词?|提示词|初始指令|系统指令|隐藏指令|内部指令|系统设定|系统消息)",
    rf"{_ZH_TRANSFER}{_gap(10)}(?:以下|下列|新|安全|指定|验证|专用|临时|监管|保护|备用){_gap(4)}{_ZH_ACCOUNT}",
    rf"(?:请|必须|务必|需先|需要先|应当?|立即|马上)[^。！？\n|]{{0,12}}{_ZH_TRANSFER}{_gap(10)}{_ZH_ACCOUNT}",
]
# A speaker label at a line or table-cell start is a fake chat turn when a turn follows it: nothing on
# the line (the turn is on the next one), words addressed to "you", or a sentence. "System: online
# banking" is a label.
_TURN_FOLLOWS = (
    r"\s*(?:$|(?=[^\n]*\b(?:you|your)\b)|(?=[^\n]*你)|(?=(?:\S+[ \t]+){4}\S)|(?=[^\n]*[\u4e00-\u9fff]{6}))"
)
_ROLE_MARKERS = [
    r"<\|\s*(?:im_start|im_end|system|user|assistant|endoftext|start_header_id|end_header_id|eot_id)\s*\|>",
    r"\[/?(?:INST|SYS)\]|<</?SYS>>",
    r"\b(?:begin|end|start)\s+(?:of\s+)?(?:the\s+)?system\s+(?:message|prompt|instructions?)\b"
    r"|系统(?:消息|提示词?|指令)(?:开始|结束)|(?:开始|结束)(?:系统)(?:消息|提示词?|指令)",
    r"</?\s*(?:system|sys|instructions?|assistant|admin|developer)\s*>",
    r"(?:^|\|)[ \t>*#+-]*(?:\*\*|__)?\[?(?:system|assistant|developer|human|ai|prompt|override)"
    rf"(?:\s+(?:message|prompt|note|instructions?))?\]?(?:\*\*|__)?\s*[:：]{_TURN_FOLLOWS}",
    r"^[ \t>]*#{1,6}\s*(?:system|instruction|response|system\s+prompt)\s*:?\s*$",
    r"(?:^|\|)[ \t>*#+-]*[【\[]?(?:系统|系统消息|系统提示词?|系统指令|助手|AI助手|助手指令|AI指令"
    rf"|模型指令|提示词|管理员指令|开发者)[】\]]?(?:\*\*|__)?\s*[:：]{_TURN_FOLLOWS}",
    r"[【\[［](?:系统|系统消息|系统提示|系统指令|指令|管理员|管理员指令|开发者模式|system|admin)[】\]］]",
    # A user turn answered by an assistant turn is a scripted conversation, however short.
    r"^[ \t>*-]*(?:user|human|用户)\s*[:：][^\n]*\n(?:[ \t]*\n)?[ \t>*-]*"
    r"(?:assistant|ai|bot|system|助手|AI助手|系统)\s*[:：]",
]

_FLAGS = re.IGNORECASE | re.MULTILINE
_INSTRUCTION = [re.compile(p, _FLAGS) for p in _INSTRUCTION_EN + _INSTRUCTION_ZH]
_ROLE = [re.compile(p, _FLAGS) for p in _ROLE_MARKERS]

_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
# "I g n o r e  a l l": single letters, each followed by one space or dot; words are
# separated by two, so this runs before whitespace is collapsed.
_SPACED = re.compile(r"(?<![\w.*_-])(?:\w[ .\-_*])+\w(?!\w)")


# --- folding text, keeping where each character came from ---------------------------------------------


@dataclass(frozen=True)
class _Folded:
    text: str
    origin: list[int]  # index in the source text of each character of ``text``


def _fold_chars(text: str) -> _Folded:
    simplified = to_simplified(text)
    # Traditional-to-Simplified is character for character almost always; where a phrase changes
    # length the offsets would drift, so keep the original script for that text.
    source = simplified if len(simplified) == len(text) else text
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(source):
        if _INVISIBLE.match(ch):
            continue
        for out in unicodedata.normalize("NFKC", ch.translate(_HOMOGLYPHS)):
            chars.append(out)
            origin.append(i)
    return _Folded("".join(chars), origin)


def _rewrite(folded: _Folded, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str]) -> _Folded:
    """``pattern.sub`` that keeps ``origin`` right: new characters come from where their match began."""
    chars: list[str] = []
    origin: list[int] = []
    last = 0
    for match in pattern.finditer(folded.text):
        chars.append(folded.text[last : match.start()])
        origin.extend(folded.origin[last : match.start()])
        new = replace(match)
        chars.append(new)
        origin.extend([folded.origin[match.start()]] * len(new))
        last = match.end()
    chars.append(folded.text[last:])
    origin.extend(folded.origin[last:])
    return _Folded("".join(chars), origin)


_BLOCK_START = re.compile(r"[|>#*+-]|\d+[.)]\s")


def _join(match: re.Match[str]) -> str:
    """How a whitespace run reads once a paragraph's lines are joined."""
    run, text = match.group(0), match.string
    if run.count("\n") >= 2 or ("\n" in run and _BLOCK_START.match(text, match.end())):
        return "\n"  # a paragraph, list item or table row ends here
    before = text[match.start() - 1] if match.start() else ""
    after = text[match.end()] if match.end() < len(text) else ""
    if _CJK.match(before) and _CJK.match(after):
        return ""  # Chinese has no spaces between words; a break there splits one word
    return " "


def _variants(text: str) -> Iterator[tuple[_Folded, bool]]:
    """Folded readings of ``text``, each with whether line starts are real (so role markers apply)."""
    folded = _fold_chars(text)
    yield _rewrite(folded, re.compile(r"[^\S\n]+"), lambda _: " "), True
    whitespace = re.compile(r"\s+")
    yield _rewrite(folded, whitespace, _join), False
    if _SPACED.search(folded.text):
        joined = _rewrite(folded, _SPACED, lambda m: re.sub(r"[ .\-_*]", "", m.group(0)))
        yield _rewrite(joined, whitespace, _join), False


# --- text ---------------------------------------------------------------------------------------------


class _Lines:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def number(self, offset: int) -> int:
        return bisect_right(self.starts, offset)

    def excerpt(self, start: int, end: int) -> str:
        begin = max(self.starts[self.number(start) - 1], start - 20)
        return self.text[begin : max(end, begin + EXCERPT_CHARS)]


def scan_text(text: str) -> list[Finding]:
    """Instructions, role markers and invisible characters in ``text``; locations are ``line N``."""
    lines = _Lines(text)
    findings: dict[tuple[str, str], Finding] = {}

    def add(kind: Kind, start: int, end: int, excerpt: str | None = None) -> None:
        location = f"line {lines.number(start)}"
        if (kind, location) not in findings:
            findings[kind, location] = Finding(
                kind=kind, severity="block", excerpt=excerpt or lines.excerpt(start, end), location=location
            )

    for folded, real_lines in _variants(text):
        checks: list[tuple[Kind, list[re.Pattern[str]]]] = [("instruction", _INSTRUCTION)]
        if real_lines:  # a joined paragraph has no line starts, and role markers need them
            checks.append(("role_marker", _ROLE))
        for kind, patterns in checks:
            for pattern in patterns:
                for match in pattern.finditer(folded.text):
                    add(kind, folded.origin[match.start()], folded.origin[match.end() - 1] + 1)
    for start, decoded in _payloads(text):
        for finding in scan_text(decoded):
            if finding.kind != "invisible_characters":
                add(finding.kind, start, start, f"decoded: {decoded}")
    return [*findings.values(), *_invisible(text, lines)]


def _payloads(text: str) -> Iterator[tuple[int, str]]:
    """Text hidden as base64 or as Unicode tag characters, with where it starts."""
    for match in _BASE64.finditer(text):
        payload = match.group(0)
        try:
            decoded = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True).decode("utf-8")
        except ValueError:  # not base64, or not text once decoded (binascii.Error and UnicodeDecodeError)
            continue
        if decoded.replace("\n", " ").isprintable():
            yield match.start(), decoded
    for match in _TAG_RUN.finditer(text):
        yield match.start(), "".join(chr(ord(ch) - 0xE0000) for ch in match.group(0))


def _invisible(text: str, lines: _Lines) -> list[Finding]:
    hits = [m.start() for m in _INVISIBLE.finditer(text) if not (m.start() == 0 and m.group(0) == "\ufeff")]

    def in_word(i: int) -> bool:
        before = _INVISIBLE.sub("", text[max(0, i - 40) : i])[-1:]
        after = _INVISIBLE.sub("", text[i + 1 : i + 40])[:1]
        return before.isalnum() and after.isalnum()

    by_line: dict[int, list[int]] = {}
    for i in hits:
        by_line.setdefault(lines.number(i), []).append(i)
    return [
        Finding(
            kind="invisible_characters",
            severity="block"
            if len(hits) > 2 or any(in_word(i) or text[i] in _OVERRIDES for i in offsets)
            else "warn",
            excerpt=f"{len(offsets)} invisible: " + lines.excerpt(offsets[0], offsets[0] + 1),
            location=f"line {number}",
        )
        for number, offsets in by_line.items()
    ]


# --- markup (HTML, and HTML inside Markdown) -----------------------------------------------------------

_COMMENT = re.compile(r"<!--(.*?)(?:-->|\Z)", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|<![^>]*>|<\?[^>]*>")
_INLINE_TAGS = {"a", "abbr", "b", "bdi", "bdo", "code", "em", "font", "i", "mark", "q", "s", "small", "span",
                "strong", "sub", "sup", "u", "wbr"}  # fmt: skip
_EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?((?:https?:)?//[^'\")\s]+)", re.IGNORECASE)
_TEXT_ATTRIBUTES = (
    "alt",
    "title",
    "aria-label",
    "aria-description",
    "placeholder",
    "content",
    "value",
    "label",
)
_NOT_RENDERED = ("script", "style", "head", "meta", "link", "title")
_IMAGE_TAGS = ("img", "image", "input", "source", "video")

# Inline-style tricks that keep an element's text out of sight (the loader still indexes that text).
_HIDING = [
    (re.compile(r"(?<![\w-])display\s*:\s*none", re.I), "display:none"),
    (re.compile(r"(?<![\w-])visibility\s*:\s*(?:hidden|collapse)", re.I), "visibility:hidden"),
    (re.compile(r"(?<![\w-])opacity\s*:\s*0*(?:\.0\d*)?\s*(?:;|!|$)", re.I), "opacity:0"),
    (
        re.compile(
            r"(?<![\w-])font-size\s*:\s*(?:0*\.?0+[a-z%]*|[01](?:\.\d+)?(?:px|pt)|0?\.[01]\d*r?em)\s*(?:;|!|$)",
            re.I,
        ),
        "font-size:0",
    ),
    (
        re.compile(
            r"(?<![\w-])(?:left|top|right|bottom|text-indent|margin-left|margin-top)\s*:\s*-\d{3,}", re.I
        ),
        "off-screen",
    ),
    (re.compile(r"(?<![\w-])transform\s*:[^;]*translate[xy]?\(\s*-\d{3,}", re.I), "off-screen"),
    (re.compile(r"(?<![\w-])transform\s*:[^;]*scale\(\s*0\s*[,)]", re.I), "scaled to 0"),
    (re.compile(r"(?<![\w-])clip\s*:\s*rect\(\s*0|clip-path\s*:\s*inset\(\s*(?:50|100)%", re.I), "clipped"),
    (
        re.compile(
            r"(?<![\w-])(?:max-)?(?:height|width)\s*:\s*0(?:px)?\s*(?:;|!|$)(?=.*overflow\s*:\s*hidden)", re.I
        ),
        "zero size",
    ),
]
_NAMED_COLOURS = {
    "white": (255, 255, 255),
    "snow": (255, 250, 250),
    "ivory": (255, 255, 240),
    "whitesmoke": (245, 245, 245),
    "ghostwhite": (248, 248, 255),
    "black": (0, 0, 0),
}
_WHITE = (255, 255, 255)


def _attribute(el: Tag, name: str) -> str:
    value = el.get(name)
    if value is None:
        return ""
    return " ".join(value) if isinstance(value, list) else str(value)


def _colour(value: str) -> tuple[int, int, int] | None:
    value = value.strip().lower()
    if value in _NAMED_COLOURS:
        return _NAMED_COLOURS[value]
    if match := re.fullmatch(r"#([0-9a-f]{3}|[0-9a-f]{6})", value):
        digits = match.group(1)
        digits = "".join(d * 2 for d in digits) if len(digits) == 3 else digits
        return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
    if match := re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*[\d.]+%?\s*)?\)", value):
        return int(match.group(1)), int(match.group(2)), int(match.group(3))
    return None


def _declared(style: str, prop: str) -> str | None:
    match = re.search(rf"(?<![\w-]){prop}\s*:\s*([^;!]+)", style, re.IGNORECASE)
    return match.group(1).strip() if match else None


def _invisible_colour(el: Tag, sheet_rules: dict[int, str]) -> bool:
    """Text coloured like the background behind it (a white page when nothing says otherwise)."""
    fore_value = _declared(_style(el, sheet_rules), "color") or (
        _attribute(el, "color") if el.name == "font" else ""
    )
    if not fore_value:
        return False
    if fore_value.lower() == "transparent" or re.search(r"rgba\([^)]*,\s*0(?:\.0+)?\s*\)", fore_value):
        return True
    fore = _colour(fore_value)
    back: tuple[int, int, int] | None = _WHITE
    for node in [el, *el.parents]:
        node_style = _style(node, sheet_rules)
        declared = _declared(node_style, "background-color") or _declared(node_style, "background")
        if declared or _attribute(node, "bgcolor"):
            back = _colour(declared or _attribute(node, "bgcolor"))
            break
    return (
        fore is not None
        and back is not None
        and max(abs(f - b) for f, b in zip(fore, back, strict=True)) <= 24
    )


def _has_text(text: str) -> bool:
    return len(re.findall(r"\w", text)) >= 2


def _few_words(text: str) -> bool:
    """Three words at most, counting two Chinese characters as a word ("Skip to content", "跳到主要内容")."""
    return len(re.findall(r"[^\W\d_]+", _CJK.sub(" ", text))) + len(_CJK.findall(text)) / 2 <= 3


def _style(el: Tag, sheet_rules: dict[int, str]) -> str:
    """The element's declarations, inline first so they win the first-match lookups of ``_declared``."""
    return _attribute(el, "style") + ";" + sheet_rules.get(id(el), "")


def _hiding_reason(el: Tag, sheet_rules: dict[int, str]) -> str | None:
    style = _style(el, sheet_rules)
    for pattern, reason in _HIDING:
        if pattern.search(style):
            return reason
    if el.has_attr("hidden"):
        return "hidden attribute"
    if _attribute(el, "aria-hidden").lower() == "true":
        return "aria-hidden"
    if _invisible_colour(el, sheet_rules):
        return "text colour matches background"
    return None


def _sheet_rules(soup: BeautifulSoup) -> dict[int, str]:
    """Declarations ``<style>`` blocks give each element (simple selectors), for the hiding checks."""
    rules: dict[int, str] = {}
    for sheet in soup.find_all("style"):
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", sheet.get_text()):
            hides = any(pattern.search(body) for pattern, _ in _HIDING)
            if not (hides or _declared(body, "color") or _declared(body, "background(?:-color)?")):
                continue
            for selector in selectors.split(","):
                # soupsieve refuses at-rules and pseudo-elements; neither can hide an element's own text.
                try:
                    matched = soup.select(selector.strip())
                except (SelectorSyntaxError, NotImplementedError):
                    continue
                for el in matched:
                    rules[id(el)] = rules.get(id(el), "") + ";" + body
    return rules


def _describe(el: Tag) -> str:
    attributes = "".join(f' {name}="{_attribute(el, name)}"' for name in el.attrs)
    opening = f"<{el.name}{attributes}"[:70] + ">"
    return f"html {opening} line {el.sourceline}" if el.sourceline else f"html {opening}"


def _image_urls(el: Tag) -> list[str]:
    """External URLs the element would fetch as an image: source attributes, srcset and inline CSS."""
    names = [
        "background",
        *(("src", "data-src", "href", "xlink:href", "poster") if el.name in _IMAGE_TAGS else ()),
    ]
    urls = [_attribute(el, name) for name in names]
    for name in ("srcset", "data-srcset"):
        urls += [part.strip().split(" ")[0] for part in _attribute(el, name).split(",")]
    urls += _CSS_URL.findall(_attribute(el, "style"))
    return [url for url in urls if _EXTERNAL.match(url)]


def _scan_markup(markup: str, attributes: bool) -> list[Finding]:
    """Hidden elements and external images in HTML markup, and (if ``attributes``) text in its attributes."""
    # html.parser rather than the loader's lxml, because it records each element's source line.
    soup = BeautifulSoup(markup, "html.parser")
    sheet_rules = _sheet_rules(soup)
    findings: list[Finding] = []
    reported: set[int] = set()
    for el in soup.find_all(True):
        location = _describe(el)
        reason = None if el.name in _NOT_RENDERED else _hiding_reason(el, sheet_rules)
        if reason and not any(id(parent) in reported for parent in el.parents):
            text = el.get_text(" ", strip=True)
            if _has_text(text):
                reported.add(id(el))
                # "Skip to content": a few words moved off-screen for screen readers is an accessibility
                # idiom, and too short to carry an attack.
                screen_reader = reason in ("off-screen", "clipped") and _few_words(text)
                findings.append(
                    Finding(
                        kind="hidden_html",
                        severity="warn" if screen_reader else "block",
                        excerpt=f"{reason}: {text}",
                        location=location,
                    )
                )
        for url in _image_urls(el):
            findings.append(Finding(kind="external_image", severity="block", excerpt=url, location=location))
        for name in el.attrs if attributes else ():
            if name in _TEXT_ATTRIBUTES or name.startswith("data-"):
                for finding in scan_text(_attribute(el, name)):
                    if finding.kind != "invisible_characters":
                        findings.append(finding.model_copy(update={"location": f"{location} {name}="}))
    for sheet in soup.find_all("style"):
        for url in _CSS_URL.findall(sheet.get_text()):
            findings.append(
                Finding(kind="external_image", severity="block", excerpt=url, location=_describe(sheet))
            )
    return findings


def _comments(text: str, lines: _Lines) -> list[Finding]:
    findings = []
    for match in _COMMENT.finditer(text):
        content = match.group(1).strip()
        if not content:
            continue
        inner = [f for f in scan_text(content) if f.kind in ("instruction", "role_marker")]
        findings.append(
            Finding(
                kind="html_comment",
                severity="block" if inner else "warn",
                excerpt=content,
                location=f"line {lines.number(match.start())}",
            )
        )
    return findings


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    """Replace matches with nothing but their line breaks, so line numbers still point at the source."""
    return pattern.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _html_text(source: str) -> str:
    """The document's text, visible and hidden, on the lines of the source; tags and scripts removed."""
    text = _blank(source, re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL))

    def untag(match: re.Match[str]) -> str:
        # Block-level tags separate words; inline tags (``ign<b></b>ore``) do not.
        keep = "" if match.group(2) and match.group(2).lower() in _INLINE_TAGS else " "
        return keep + "\n" * match.group(0).count("\n")

    return html.unescape(_TAG.sub(untag, text))


# --- Markdown images ----------------------------------------------------------------------------------

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^\s)>]+)")
_MD_IMAGE_REF = re.compile(r"!\[([^\]]*)\](?:\[([^\]]*)\])?")
_MD_LINK_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)


def _markdown_images(text: str, lines: _Lines) -> list[Finding]:
    definitions = {label.strip().lower(): url for label, url in _MD_LINK_DEF.findall(text)}
    findings = []
    for match in _MD_IMAGE.finditer(text):
        if _EXTERNAL.match(match.group(1)):
            location = f"line {lines.number(match.start())}"
            findings.append(
                Finding(kind="external_image", severity="block", excerpt=match.group(0), location=location)
            )
    for match in _MD_IMAGE_REF.finditer(text):
        label = (match.group(2) or match.group(1)).strip().lower()
        url = definitions.get(label, "")
        if text[match.end() : match.end() + 1] != "(" and _EXTERNAL.match(url):
            location = f"line {lines.number(match.start())}"
            findings.append(Finding(kind="external_image", severity="block", excerpt=url, location=location))
    return findings


# --- documents ----------------------------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, else GB18030: a scan must read what the loader might refuse."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _docx_hidden_runs(raw: bytes) -> list[Finding]:
    """Runs Word does not show (vanish), set in white, or smaller than 2 pt: the loader still reads them."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    def paragraphs(items: Iterable[object]) -> Iterator[Paragraph]:
        for item in items:
            if isinstance(item, Paragraph):
                yield item
            elif isinstance(item, Table):
                for row in item.rows:
                    for cell in row.cells:
                        yield from paragraphs(cell.iter_inner_content())

    findings = []
    document = docx.Document(io.BytesIO(raw))
    for number, paragraph in enumerate(paragraphs(document.iter_inner_content()), start=1):
        hidden: dict[str, list[str]] = {}
        for run in paragraph.runs:
            font = run.font
            reason = None
            if font.hidden:
                reason = "hidden (vanish) run"
            elif font.color is not None and font.color.rgb is not None and min(font.color.rgb) >= 0xE6:
                reason = "white text"
            elif font.size is not None and font.size.pt < 2:
                reason = "text under 2 pt"
            if reason:
                hidden.setdefault(reason, []).append(run.text)
        for reason, texts in hidden.items():
            text = "".join(texts)
            if _has_text(text):
                location = f"docx paragraph {number}"
                findings.append(
                    Finding(
                        kind="hidden_html", severity="block", excerpt=f"{reason}: {text}", location=location
                    )
                )
    return findings


def scan_document(raw: bytes, suffix: str) -> ScanReport:
    """Scan an upload's raw bytes; ``suffix`` is its file extension (".md", ".html", ".pdf", ...).

    PDF and DOCX are read with the loader's own extractors, so what is scanned is what would be indexed;
    a file they cannot read raises the loader's ``DocumentError``, as ingesting it would.
    """
    suffix = suffix.lower()
    if suffix in (".pdf", ".docx"):
        _, body = (_pdf if suffix == ".pdf" else _docx)(raw)
        findings = [
            f.model_copy(update={"location": f"extracted text {f.location}"}) for f in scan_text(body)
        ]
        if suffix == ".docx":
            findings += _docx_hidden_runs(raw)
        return ScanReport(findings=findings)
    source = _decode(raw)
    lines = _Lines(source)
    without_comments = _blank(source, _COMMENT)
    findings = _comments(source, lines)
    if suffix in (".html", ".htm"):
        findings += scan_text(_html_text(without_comments))
    else:
        findings += scan_text(without_comments)
        findings += _markdown_images(without_comments, lines)
    findings += _scan_markup(without_comments, attributes=suffix in (".html", ".htm"))
    return ScanReport(findings=findings)
