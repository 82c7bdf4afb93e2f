"""Questions about the customer's own live account data, which no document can answer.

"What's my balance right now?", "did my salary arrive?", 帮我查一下我这个月的账单: the knowledge base
only has examples ("if your balance is ¥4,000 …"), and a small model happily quotes one as the
customer's balance. This chat cannot see accounts, so such a question gets a fixed answer: where to
look it up, and the offer of a person who can verify the customer.
"""

from __future__ import annotations

import re

from assistant.domain import Lang

_OWN_DATA = re.compile(
    r"\b(what(?:'s| is| was)|how much(?: is| do i have(?! to)| money do i have)?|check|show me|tell me|"
    r"look up|give me)\b[^.?!\n]{0,15}\bmy\b[^.?!\n]{0,20}\b(balance|recent transactions|"
    r"last \w+ transactions|transaction history|bill this month|statement this month|points balance|"
    r"available credit)\b"
    r"(?![^.?!\n]{0,25}\b(fee|charge|rate|limit|minimum|exempt|interest|below|under|above|over)\b)"
    r"|\bhow much (money )?(do i have(?! to)|is (left )?(in|on) my)\b"
    r"|\b(did|has|have) my (salary|wages|pay|transfer|refund|payment|deposit)\b[^.?!\n]{0,25}"
    r"\b(arrive[ds]?|come in|gone through|go through|land(ed)?|been (received|credited|paid))\b"
    r"|(查|查询|查下|看|看看|告诉我|帮我查)[^。？！\n]{0,4}(一下)?我[^。？！\n]{0,10}(余额|流水|交易记录|账单是多少|还有多少钱)"
    r"|我的?(卡里|卡上|账户里|帐户里|账上|余额)[^。？！\n]{0,6}(还有多少|有多少钱|是多少|还剩多少)"
    r"|(工资|转账|退款|那笔钱|汇款)[^。？！\n]{0,6}(到账了吗|到了没|到没到|到了吗|到账没)",
    re.IGNORECASE,
)


def asks_for_own_account_data(text: str) -> bool:
    return bool(_OWN_DATA.search(text))


def own_data_text(lang: Lang) -> str:
    if lang == "zh":
        return (
            "我在这个对话中无法查看您的账户信息。您可以在兰亭银行App或网上银行的“账户”页面查询余额、"
            "交易记录和账单。需要的话，我可以为您转接人工客服，核实身份后为您查询。"
        )
    return (
        "I can't see your accounts in this chat. You can check your balance, transactions and statements "
        "in Lanting Mobile or online banking (Accounts). If you'd like, I can connect you with a member "
        "of our team who can verify you and look it up."
    )
