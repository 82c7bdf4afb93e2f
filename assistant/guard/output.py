"""The output guard: what the assistant must never say, checked on every generated answer.

A generated answer that asks for a secret, promises returns, leaks the system prompt (its canary
marker) or carries markup or outside links fails, like an answer with a wrong number: the customer
gets the extractive answer, quoted from the bank's approved documents, instead. It is also checked
while streaming, so a failing answer stops reaching the screen at once.
"""

from __future__ import annotations

import re

# Planted in the answer prompt's system message; it must never appear in anything a customer sees.
CANARY = "LTB-CANARY-93F1"

_F = re.IGNORECASE
_ASKS_FOR_SECRET = re.compile(
    r"\b(provide|tell|send|share|enter|give|confirm|type|reply with|read out|let me know)\b[^.?!\n]{0,30}"
    r"\b(pin|password|passcode|one-time (code|password)|otp|verification code|sms code|cvv2?|cvc2?|security code)\b"
    r"|(提供|告诉|告訴|告知|发送|發送|输入|輸入|回复|回覆|确认|確認|报|報)[^。？！\n]{0,10}"
    r"(密码|密碼|验证码|驗證碼|动态码|動態碼|CVV|安全码|安全碼)",
    _F,
)
_NEGATED = re.compile(
    r"(never|don'?t|do not|must not|should not|shouldn'?t|won'?t|will not|no one|nobody|请勿|請勿|不要|切勿|绝不|絕不|不会|不會|从不|從不)[^.?!。？！\n]*$",
    _F,
)
_PROMISE = re.compile(
    r"\b(risk[- ]free|guaranteed (returns?|profits?|income|yields?|gains?)|no risk|can'?t lose|cannot lose)\b"
    r"|保本|稳赚|穩賺|零风险|零風險|无风险|無風險|保证收益|保證收益|保证回报|保證回報",
    _F,
)
_DEPOSIT = re.compile(
    r"\b(deposits?|savings account|deposit insurance)\b|存款|定期|储蓄|儲蓄|存款保险|存款保險", _F
)
_MARKUP = re.compile(
    r"<\s*/?\s*(script|iframe|img|a|style|object|embed|svg|form|input|link|meta)\b|javascript:|on\w+\s*=\s*[\"']"
    r"|!\[[^\]]*\]\(|https?://(?![\w.-]*lantingbank\.(com|cn)\b)",
    _F,
)


def output_violation(text: str) -> str | None:
    """Why ``text`` must not reach a customer, or None."""
    if CANARY.lower() in text.lower():
        return "revealed the system prompt"
    for match in _ASKS_FOR_SECRET.finditer(text):
        if not _NEGATED.search(text[max(0, match.start() - 40) : match.start() + 1]):
            return "asked for a secret"
    if _PROMISE.search(text) and not _DEPOSIT.search(text):
        return "promised returns or no risk"
    if _MARKUP.search(text):
        return "markup or an outside link"
    return None
