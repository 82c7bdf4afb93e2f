#!/usr/bin/env python3
"""Build pii.jsonl deterministically from templates and checksum-valid generators.

Usage:  python evals/datasets/guard/make_pii.py          # (re)writes pii.jsonl next to this file
        python evals/datasets/guard/make_pii.py --check  # rebuild in memory, compare with the file

Standard library only. Every generated value is validated (Luhn for cards, ISO 7064
MOD 11-2 for Chinese resident IDs, ISO 13616 mod-97 for IBANs) and every entity value
is checked to be an exact, unique substring of its message. Hard-negative lines carry
look-alike numbers that are deliberately *not* valid entities (failed checksums, order
numbers, amounts, dates, bank hotlines, partial card numbers) and are checked to
contain nothing that a checksum would accept.

Written without looking at the detector code: it only encodes the label rules in README.md.
"""
from __future__ import annotations

import datetime as _dt
import json
import random
import re
import sys
from pathlib import Path

SEED = 20240517
OUT = Path(__file__).with_name("pii.jsonl")

# --------------------------------------------------------------------------- checksums


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    for c in "0123456789":
        if luhn_ok(partial + c):
            return c
    raise AssertionError


ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def cn_id_check_char(first17: str) -> str:
    s = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[s % 11]


# plausible county-level codes (GB/T 2260)
CN_REGIONS = [
    "110101", "110105", "110108", "120101", "310104", "310115", "320102", "320506",
    "330106", "330203", "340104", "350203", "370202", "410105", "420106", "430104",
    "440106", "440305", "440304", "450103", "500103", "510107", "530102", "610113",
    "210203", "220102", "230103",
]


def cn_id_ok(s: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", s):
        return False
    if s[:6] not in CN_REGIONS:
        return False
    try:
        d = _dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    if not (1930 <= d.year <= 2015):
        return False
    return cn_id_check_char(s[:17]) == s[17]


def iban_mod97(s: str) -> int:
    s = s.replace(" ", "")
    r = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in r)
    return int(num) % 97


def iban_ok(s: str) -> bool:
    s = s.replace(" ", "")
    lengths = {"GB": 22, "DE": 22, "FR": 27, "NL": 18, "ES": 24, "CH": 21}
    return s[:2] in lengths and len(s) == lengths[s[:2]] and iban_mod97(s) == 1


def iban_from_bban(country: str, bban: str) -> str:
    r = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in r)
    check = 98 - int(num) % 97
    return f"{country}{check:02d}{bban}"


def group4(s: str) -> str:
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


# --------------------------------------------------------------------------- generators


class Gen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.used: set[str] = set()

    def digits(self, n: int) -> str:
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def unique(self, fn):
        for _ in range(1000):
            v = fn()
            if v not in self.used:
                self.used.add(v)
                return v
        raise RuntimeError("could not make a unique value")

    # ---- cards
    def card_digits(self, kind: str) -> str:
        r = self.r
        if kind == "visa":
            prefix, length = "4" + self.digits(5), 16
        elif kind == "mc":
            prefix, length = r.choice(["51", "52", "53", "54", "55", "2221", "2367", "2720"]), 16
        elif kind == "amex":
            prefix, length = r.choice(["34", "37"]), 15
        elif kind == "up16":
            prefix, length = r.choice(["6222", "6228", "6212", "6217", "6225"]), 16
        elif kind == "up19":
            prefix, length = r.choice(["6222", "6228", "6217", "6216", "6214"]), 19
        else:
            raise ValueError(kind)
        body = prefix + self.digits(length - len(prefix) - 1)
        num = body + luhn_check_digit(body)
        assert luhn_ok(num) and len(num) == length
        return num

    def card(self, spec: str) -> str:
        kind, fmt = spec.split("_")

        def make():
            d = self.card_digits(kind)
            if fmt == "plain":
                return d
            if kind == "amex":
                parts = [d[:4], d[4:10], d[10:]]
            elif kind == "up19" and fmt == "sp" and self.r.random() < 0.5:
                parts = [d[:6], d[6:]]
            else:
                parts = [d[i:i + 4] for i in range(0, len(d), 4)]
            return (" " if fmt == "sp" else "-").join(parts)

        return self.unique(make)

    def luhn_fail16(self) -> str:
        d = self.card_digits(self.r.choice(["visa", "mc", "up16"]))
        bad = str((int(d[-1]) + self.r.randint(1, 9)) % 10)
        out = d[:-1] + bad
        assert not luhn_ok(out)
        return out

    # ---- Chinese resident ID
    ID_BIRTH_YEARS = {None: (1950, 2005), "young": (2008, 2014), "old": (1940, 1960)}

    def cn_id(self, want_x: bool | None = None, age: str | None = None) -> str:
        lo, hi = self.ID_BIRTH_YEARS[age]

        def make():
            for _ in range(200):
                region = self.r.choice(CN_REGIONS)
                start = _dt.date(lo, 1, 1).toordinal()
                end = _dt.date(hi, 12, 31).toordinal()
                birth = _dt.date.fromordinal(self.r.randint(start, end))
                first17 = region + birth.strftime("%Y%m%d") + self.digits(3)
                v = first17 + cn_id_check_char(first17)
                if want_x is None or (v.endswith("X") == want_x):
                    assert cn_id_ok(v)
                    return v
            raise RuntimeError

        return self.unique(make)

    def cn_id_bad(self) -> str:
        v = self.cn_id(want_x=False)
        # a wrong check digit that also does not happen to pass Luhn (so no card detector
        # could legitimately claim it either)
        wrong = self.r.choice([c for c in "0123456789" if c != v[-1] and not luhn_ok(v[:17] + c)])
        out = v[:17] + wrong
        assert not cn_id_ok(out) and not luhn_ok(out)
        return out

    # ---- phones
    CN_PREFIX = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "147", "150", "151",
                 "152", "155", "156", "157", "158", "159", "166", "173", "176", "177", "180", "181",
                 "182", "185", "186", "187", "188", "189", "191", "198", "199"]

    def phone(self, spec: str) -> str:
        r = self.r

        def make():
            if spec.startswith("cn"):
                n = r.choice(self.CN_PREFIX) + self.digits(8)
                assert re.fullmatch(r"1[3-9]\d{9}", n)
                a, b, c = n[:3], n[3:7], n[7:]
                return {
                    "cn_plain": n,
                    "cn_sp": f"{a} {b} {c}",
                    "cn_dash": f"{a}-{b}-{c}",
                    "cn_plus": r.choice([f"+86 {a} {b} {c}", f"+86-{a}-{b}-{c}", f"+86 {n}"]),
                    "cn_plus_plain": f"+86{n}",
                }[spec]
            if spec == "uk":  # Ofcom drama range 07700 900000-900999
                tail = f"{r.randint(0, 999):03d}"
                return r.choice([f"+44 7700 900{tail}", f"+44 (0)7700 900{tail}", f"+447700900{tail}"])
            if spec == "us":  # 555-01xx fictional range
                area = r.choice(["415", "212", "646", "310", "617", "206"])
                tail = f"01{r.randint(0, 99):02d}"
                return r.choice([f"+1 ({area}) 555-{tail}", f"+1 {area}-555-{tail}", f"+1 {area} 555 {tail}"])
            if spec == "hk":
                return f"+852 {r.choice('569')}{self.digits(3)} {self.digits(4)}"
            if spec == "intl_sg":
                return f"+65 {r.choice('89')}{self.digits(3)} {self.digits(4)}"
            if spec == "intl_de":
                return f"+49 15{r.choice('1279')} {self.digits(8)}"
            raise ValueError(spec)

        return self.unique(make)

    # ---- emails
    EN_LOCAL = ["emma.clarke", "j.morrison", "liwei.work", "sophie_t", "danny.ng88", "mark.hughes",
                "priya.k", "chen.yu", "olivia.brown", "tom.w", "kate.lin", "a.rossi", "noah.f",
                "zoe.h", "ben.carter", "lucy_m"]
    ZH_LOCAL = ["zhangwei1988", "li.na", "wangfang_sh", "liuyang", "chenjing.cs", "yangli2020",
                "zhao.lei", "sunmin", "huangxin", "zhoujie88", "wu.hao", "xu_ting", "maqiang",
                "linyating", "guo.ming", "he_yan"]
    DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "corp.example.com",
               "example.co.uk", "lantingcustomer.example"]

    def email(self, lang: str) -> str:
        pool = self.EN_LOCAL if lang == "en" else self.ZH_LOCAL

        def make():
            v = f"{self.r.choice(pool)}@{self.r.choice(self.DOMAINS)}"
            assert re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", v)
            return v

        return self.unique(make)

    # ---- IBANs
    def iban(self, spec: str) -> str:
        country, fmt = spec.split("_")
        r = self.r

        def make():
            if country == "GB":
                bban = r.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL"]) + self.digits(6) + self.digits(8)
            elif country == "DE":
                bban = r.choice(["10070000", "37040044", "50010517", "20041133"]) + self.digits(10)
            elif country == "FR":
                bank, branch, acct = self.digits(5), self.digits(5), self.digits(11)
                key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(acct)) % 97  # French RIB key
                bban = f"{bank}{branch}{acct}{key:02d}"
            elif country == "NL":
                bban = r.choice(["ABNA", "INGB", "RABO"]) + self.digits(10)
            elif country == "ES":
                bank, branch, acct = self.digits(4), self.digits(4), self.digits(10)
                w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

                def dc(s):
                    v = 11 - sum(int(c) * wt for c, wt in zip(s, w)) % 11
                    return {10: 1, 11: 0}.get(v, v)

                bban = f"{bank}{branch}{dc('00' + bank + branch)}{dc(acct)}{acct}"
            elif country == "CH":
                bban = r.choice(["00762", "00230", "08390"]) + self.digits(12)
            else:
                raise ValueError(country)
            v = iban_from_bban(country, bban)
            assert iban_ok(v), v
            return v if fmt == "plain" else group4(v)

        return self.unique(make)

    # ---- CVV / expiry
    def cvv(self, n: int = 3) -> str:
        return self.unique(lambda: self.digits(n))

    def expiry(self, spec: str) -> str:
        r = self.r

        def make():
            m, y = r.randint(1, 12), r.randint(2026, 2031)
            return {
                "mm/yy": f"{m:02d}/{y % 100:02d}",
                "mm/yyyy": f"{m:02d}/{y}",
                "mm-yy": f"{m:02d}-{y % 100:02d}",
                "zh_ym": f"{y}年{m}月",
                "zh_ym2": f"{y}/{m:02d}",
                "zh_yy": f"{y % 100:02d}年{m}月",
            }[spec]

        return self.unique(make)


# --------------------------------------------------------------------------- templates
# {TYPE:spec} placeholders become labelled entities; {NEG:spec} become unlabelled look-alikes.

EN_POS = [
    "Hi, my card {CARD:visa_sp} was declined at a restaurant last night. Can you check why?",
    "I want to set up a transfer to my sister's account in London, IBAN {IBAN:GB_grp}. What's the fee?",
    "Please update my contact email to {EMAIL} and my mobile to {PHONE:cn_plus}.",
    "My card number is {CARD:mc_plain}, exp {EXPIRY:mm/yy}, CVV {CVV}. Can you tell me if it's been blocked?",
    "I lost my Amex {CARD:amex_sp}, please cancel it. You can reach me on {PHONE:uk}.",
    "For the account verification you asked for: my ID number is {CN_ID}.",
    "Can you send last month's statement to {EMAIL}? Thanks.",
    "I'm travelling to the US, my number there will be {PHONE:us}. Card {CARD:visa_dash} should work abroad, right?",
    "The refund should go to my German account {IBAN:DE_plain}, name Anna Mueller.",
    "The UnionPay card {CARD:up19_sp} hasn't arrived yet. My phone is {PHONE:cn_plain}.",
    "I typed my card {CARD:visa_plain} into a website that turned out to be fake, and the 3 digits on the back are {CVV}. What do I do now?",
    "My new card expires {EXPIRY:mm/yyyy} but the old one still works? The new card is {CARD:mc_sp}.",
    "Hello, I'm a Chinese citizen living in Manchester, ID {CN_ID}, and I'd like to open an account remotely.",
    "Please call me back at {PHONE:us} regarding my mortgage application.",
    "Could you pay my French landlord? His IBAN is {IBAN:FR_grp}.",
    "Email me at {EMAIL} or text {PHONE:cn_dash} when the loan is approved.",
    "card: {CARD:up16_plain} / expiry {EXPIRY:mm/yy} / security code {CVV} -- is it enabled for online payments?",
    "I want to link my Dutch account {IBAN:NL_grp} to receive my salary.",
    "My wife's number is {PHONE:cn_sp} and mine is {PHONE:cn_plus_plain}, can we both get SMS alerts?",
    "Why was {CARD:amex_plain} charged twice? The card's 4-digit security code is {CVV4}, if you need it.",
    "The direct debit from {IBAN:ES_plain} failed again, please help.",
    "I'd like to change the email on file from {EMAIL} to {EMAIL}.",
    "Hi! Card {CARD:visa_sp}, valid thru {EXPIRY:mm/yy}. Can I raise the limit?",
    "Please verify me: ID {CN_ID}, phone {PHONE:cn_plain}.",
    "Can I transfer 2,000 EUR to IBAN {IBAN:CH_grp}? It's for my university fees.",
    "I'm abroad this month, call {PHONE:intl_de} or {PHONE:uk}.",
    "My debit card {CARD:mc_dash} was swallowed by the ATM on Nanjing Road.",
    "The payee's IBAN is {IBAN:GB_plain} -- is that a valid UK account?",
    "Can you confirm my card is active? The number is {CARD:up19_plain}, expiring {EXPIRY:mm/yyyy}.",
    "My email {EMAIL} keeps getting your newsletters, please unsubscribe me.",
    "My son's ID number is {CN_ID:young} -- can I open a youth account for him?",
    "Please send the OTP to {PHONE:cn_plus} instead, my old number is deactivated.",
    "There's a charge on {CARD:visa_plain} that I don't recognise. CVV2 is {CVV} if that helps.",
    "A wire from my German account {IBAN:DE_grp} hasn't arrived yet.",
    "Contact details: {EMAIL}, {PHONE:us}.",
    "Hello, my Amex {CARD:amex_dash} exp {EXPIRY:mm-yy}, does Lanting accept it for bill payments?",
    "I want to cancel the card {CARD:mc_plain}. My registered mobile is {PHONE:cn_dash}.",
    "Here's my ID for the KYC update: {CN_ID}. And my new email is {EMAIL}.",
    "Please add {PHONE:uk} as my emergency contact number.",
    "Will a transfer from {IBAN:FR_plain} count as income for the loan?",
    "Just activated card {CARD:up16_sp}. It says expiry {EXPIRY:mm/yy}, is that right?",
    "I gave the courier my card {CARD:visa_dash} and the security code {CVV}, was that a mistake?",
    "Both my numbers: {PHONE:cn_plain} (China) and {PHONE:intl_sg} (Singapore).",
    "My business email is {EMAIL}; please send the corporate account forms there.",
    "Hi, ID {CN_ID}, I forgot my online banking username.",
    "Pay {IBAN:NL_plain} please, reference INV-2291.",
    "card {CARD:mc_sp} cvv {CVV} exp {EXPIRY:mm/yy}",
    "The 3 digits on the back are {CVV} and the card number is {CARD:visa_sp}. I'm ordering by phone and the merchant asked.",
    "My UK mobile {PHONE:uk} isn't receiving the verification code.",
    "I moved to Spain, my IBAN there is {IBAN:ES_grp}. Can you switch my pension payments?",
]

ZH_POS = [
    "你好，我的卡号是{CARD:up19_plain}，昨天在超市刷卡被拒了，帮我查一下。",
    "我的身份证号是{CN_ID}，手机号{PHONE:cn_plain}，麻烦帮我核实一下身份。",
    "请把上个月的对账单发到我的邮箱{EMAIL}。",
    "信用卡{CARD:visa_sp}，有效期{EXPIRY:zh_ym}，安全码是{CVV}，能不能帮我开通境外支付？",
    "我换手机号了，新号码是{PHONE:cn_plus}。",
    "我要给在德国的女儿汇款，她的IBAN是{IBAN:DE_grp}，手续费多少？",
    "卡号{CARD:mc_dash}丢了，赶紧帮我挂失！我电话{PHONE:cn_dash}。",
    "我儿子身份证{CN_ID:young}，想给他办一张学生卡。",
    "有效期{EXPIRY:mm/yy}的那张卡还能用吗？卡号是{CARD:up16_sp}。",
    "我在英国的电话是{PHONE:uk}，有事请打这个号码。",
    "银联卡{CARD:up19_sp}一直收不到短信验证码，预留手机是{PHONE:cn_sp}。",
    "背面三位数是{CVV}，卡号{CARD:visa_plain}，刚才有人打电话问我要这些，我是不是被骗了？",
    "我的邮箱{EMAIL}收到一封奇怪的邮件，说是你们银行发的。",
    "请帮我把收款人IBAN {IBAN:GB_grp} 加到常用联系人里。",
    "我的运通卡{CARD:amex_sp}被重复扣款了。",
    "身份证号码：{CN_ID}\n请问我的贷款审批进度？",
    "联系方式：{PHONE:cn_plain}，邮箱：{EMAIL}。",
    "卡号{CARD:mc_plain}，安全码{CVV}，有效期{EXPIRY:zh_ym2}，能否提高额度？",
    "法国房东的账户是{IBAN:FR_grp}，我要付房租。",
    "我在美国读书，电话{PHONE:us}，能不能开通国际短信提醒？",
    "我妈妈的身份证号是{CN_ID:old}，她想办一张老年卡。",
    "我的新卡{CARD:up16_dash}，到期日{EXPIRY:zh_yy}，激活不了。",
    "请用{EMAIL}联系我，不要打电话。",
    "这个荷兰账户{IBAN:NL_plain}是我公司的收款账户，能收人民币吗？",
    "手机号{PHONE:cn_plus_plain}，身份证{CN_ID}，我要重置网银密码。",
    "刚刚在网站输入了卡号{CARD:visa_dash}和CVV {CVV}，后来发现网站是假的。",
    "西班牙的账户{IBAN:ES_grp}汇来的钱到了吗？",
    "我的香港号码是{PHONE:hk}，内地号码是{PHONE:cn_plain}。",
    "卡片{CARD:up19_plain}有效期{EXPIRY:zh_ym}，快到期了，新卡寄到哪里？",
    "请把我的邮箱从{EMAIL}改成{EMAIL}。",
    "我的运通卡{CARD:amex_plain}，卡正面四位安全码是{CVV4}，为什么网上支付失败？",
    "瑞士账户{IBAN:CH_plain}，汇款需要多久？",
    "我老婆的电话{PHONE:cn_dash}，请把她加为紧急联系人。",
    "你好，身份证{CN_ID}，我忘记网银用户名了。",
    "卡号：{CARD:mc_sp}\n有效期：{EXPIRY:mm/yy}\n安全码：{CVV}\n请帮我查一下这张卡的积分。",
    "我的英国账户IBAN是{IBAN:GB_plain}，能关联到兰亭的账户吗？",
    "号码{PHONE:cn_sp}一直收到你们的营销短信，能不能退订？",
    "请把电子回单发到{EMAIL}，谢谢。",
    "卡号{CARD:up16_plain}，前几天在国外被盗刷了两笔。",
    "我的德国账户{IBAN:DE_plain}，德国手机{PHONE:intl_de}，需要登记吗？",
    "我要开户，身份证号{CN_ID}，手机{PHONE:cn_plus}，邮箱{EMAIL}。",
    "卡背后的三位数字是{CVV}，这个需要保密吗？卡号是{CARD:visa_sp}。",
    "新加坡同事的号码{PHONE:intl_sg}，他想在你们这开户，可以吗？",
    "帮我核对一下这个收款IBAN：{IBAN:FR_plain}。",
    "信用卡{CARD:mc_dash}有效期至{EXPIRY:mm/yyyy}，到期后会自动换卡吗？",
    "我的身份证{CN_ID}已经换了新证，号码没变，需要更新吗？",
    "您好，{PHONE:cn_plain}是我的手机号，请帮我查一下最近的转账。",
    "银联卡{CARD:up19_dash}，有效期{EXPIRY:zh_yy}，安全码{CVV}，能在日本用吗？",
    "我的工作邮箱是{EMAIL}，请把企业开户资料发过来。",
    "我人在旧金山，国际电话{PHONE:us}，一直打不通你们客服。",
]

# Hard negatives: no entity may be labelled. Bank hotlines / branch landlines are not customer PII.
EN_NEG = [
    "I paid 1,234,567.89 CNY for the flat deposit on 2024-03-15, when will it show in my statement?",
    "The tracking number for my new card delivery is {NEG:luhnfail_sp} -- it hasn't moved in a week.",
    "Reference code TXN-8F3K-22Q9-0071 -- the transfer is still pending.",
    "I called your hotline 400-820-6688 three times but nobody answered. Is there another number?",
    "My card ending 4821 was charged 3 times for 49.90 on 12/03/2024.",
    "What does error code 500123 mean? It appeared at 14:32 on 2024/11/05.",
    "Your SWIFT code is LTBKCNSHXXX, right? And the branch code is 0217?",
    "Order {NEG:luhnfail_plain} -- I was charged twice, 2 x 399.00.",
    "Invoice INV-2023-000918 for 12,500.00 is due on 30 June 2025, can I pay it by card?",
    "My application number {NEG:cnid_bad} was rejected, why?",
]

ZH_NEG = [
    "我上个月存了1,234,567.89元，利息怎么算？",
    "订单号{NEG:luhnfail_plain}的退款什么时候到账？",
    "申请编号{NEG:cnid_bad}的贷款审批结果出来了吗？",
    "客服热线400-820-6688一直打不通，还有别的电话吗？",
    "尾号4821的卡2024年3月15日被扣了三次款，每次49.90元。",
    "流水号20240517093015887766，这笔转账一直显示处理中。",
    "网点电话是021-6888 0000吗？我想预约周六办理业务。",
    "交易参考号：LT-2F9K-7731，金额￥88,000.00，日期2025年1月8日。",
    "快递单号{NEG:luhnfail_sp}，新卡寄了一周还没到。",
    "信用卡账单日是每月5号，还款日是25号，最低还款额1,200.00元，对吗？",
]

PLACEHOLDER = re.compile(r"\{([A-Z_0-9]+)(?::([\w/\-]+))?\}")


def render(template: str, lang: str, g: Gen):
    out, ents, pos = [], [], 0
    for m in PLACEHOLDER.finditer(template):
        out.append(template[pos:m.start()])
        kind, spec = m.group(1), m.group(2)
        if kind == "CARD":
            typ, val = "CARD", g.card(spec)
        elif kind == "CN_ID":
            typ, val = "CN_ID", g.cn_id(want_x=None, age=spec)
        elif kind == "PHONE":
            typ, val = "PHONE", g.phone(spec)
        elif kind == "EMAIL":
            typ, val = "EMAIL", g.email(lang)
        elif kind == "IBAN":
            typ, val = "IBAN", g.iban(spec)
        elif kind == "CVV":
            typ, val = "CVV", g.cvv(3)
        elif kind == "CVV4":
            typ, val = "CVV", g.cvv(4)
        elif kind == "EXPIRY":
            typ, val = "EXPIRY", g.expiry(spec)
        elif kind == "NEG":
            typ = None
            if spec == "luhnfail_plain":
                val = g.luhn_fail16()
            elif spec == "luhnfail_sp":
                val = group4(g.luhn_fail16())
            elif spec == "cnid_bad":
                val = g.cn_id_bad()
            else:
                raise ValueError(spec)
        else:
            raise ValueError(kind)
        out.append(val)
        if typ:
            ents.append({"type": typ, "value": val})
        pos = m.end()
    out.append(template[pos:])
    return "".join(out), ents


# --------------------------------------------------------------------------- validation

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
DIGITRUN_RE = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
ID_RE = re.compile(r"(?<![\dA-Za-z])\d{17}[\dX](?![\dA-Za-z])")
CN_MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")


def validate_entity(e: dict) -> None:
    t, v = e["type"], e["value"]
    if t == "CARD":
        d = re.sub(r"[ -]", "", v)
        assert d.isdigit() and luhn_ok(d) and len(d) in (15, 16, 19), v
        assert len(d) != 15 or d[:2] in ("34", "37"), v
        assert len(d) != 19 or d.startswith("62"), v
    elif t == "CN_ID":
        assert cn_id_ok(v), v
    elif t == "IBAN":
        assert iban_ok(v), v
    elif t == "PHONE":
        d = re.sub(r"[ ()\-+]", "", v)
        assert d.isdigit(), v
        if v.startswith("+86") or not v.startswith("+"):
            assert re.fullmatch(r"(86)?1[3-9]\d{9}", d), v
        else:
            assert v.startswith("+") and 10 <= len(d) <= 14, v
    elif t == "EMAIL":
        assert EMAIL_RE.fullmatch(v), v
    elif t == "CVV":
        assert re.fullmatch(r"\d{3,4}", v), v
    elif t == "EXPIRY":
        m = (re.fullmatch(r"(\d{2})[/-](\d{2}|\d{4})", v)
             or re.fullmatch(r"(?:20)?\d{2}年(\d{1,2})月", v)
             or re.fullmatch(r"\d{4}/(\d{2})", v))
        assert m, v
    else:
        raise AssertionError(t)


def stray_lookalikes(text: str, ents: list[dict]) -> list[str]:
    """Valid-looking things in the text that are not covered by a labelled entity."""
    covered = []
    for e in ents:
        i = text.index(e["value"])
        covered.append((i, i + len(e["value"])))

    def is_covered(a, b):
        return any(a >= s and b <= t for s, t in covered)

    stray = []
    for m in DIGITRUN_RE.finditer(text):
        d = re.sub(r"[ -]", "", m.group())
        if luhn_ok(d) and not is_covered(*m.span()):
            stray.append("luhn:" + m.group())
    for m in ID_RE.finditer(text):
        if cn_id_ok(m.group()) and not is_covered(*m.span()):
            stray.append("cn_id:" + m.group())
    for m in IBAN_RE.finditer(text):
        if iban_ok(m.group()) and not is_covered(*m.span()):
            stray.append("iban:" + m.group())
    for m in EMAIL_RE.finditer(text):
        if not is_covered(*m.span()):
            stray.append("email:" + m.group())
    for m in CN_MOBILE_RE.finditer(text):
        if not is_covered(*m.span()):
            stray.append("mobile:" + m.group())
    return stray


def validate(rows: list[dict]) -> None:
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for r in rows:
        text = r["text"]
        for e in r["entities"]:
            validate_entity(e)
            assert e["value"] in text, (r["id"], e)
            assert text.count(e["value"]) == 1, (r["id"], "ambiguous span", e)
        # spans must not overlap
        spans = sorted((text.index(e["value"]), text.index(e["value"]) + len(e["value"])) for e in r["entities"])
        for (a1, b1), (a2, b2) in zip(spans, spans[1:]):
            assert b1 <= a2, (r["id"], "overlap")
        stray = stray_lookalikes(text, r["entities"])
        assert not stray, (r["id"], stray)


def build() -> list[dict]:
    g = Gen(SEED)
    rows = []
    for lang, pos, neg in (("en", EN_POS, EN_NEG), ("zh", ZH_POS, ZH_NEG)):
        for tpl in pos + neg:
            text, ents = render(tpl, lang, g)
            rows.append({"lang": lang, "text": text, "entities": ents})
    # make sure a few resident IDs end in X (valid X check digits are ~1/11 of the space)
    x_rows = [r for r in rows for e in r["entities"] if e["type"] == "CN_ID"]
    n_x = sum(e["value"].endswith("X") for r in rows for e in r["entities"] if e["type"] == "CN_ID")
    for r in x_rows:
        if n_x >= 4:
            break
        for e in r["entities"]:
            if e["type"] == "CN_ID" and not e["value"].endswith("X"):
                birth_year = int(e["value"][6:10])
                age = next(a for a, (lo, hi) in Gen.ID_BIRTH_YEARS.items() if lo <= birth_year <= hi)
                new = g.cn_id(want_x=True, age=age)
                r["text"] = r["text"].replace(e["value"], new)
                e["value"] = new
                n_x += 1
                break
    out = []
    for i, r in enumerate(rows, 1):
        out.append({"id": f"pii-{i:03d}", **r})
    validate(out)
    return out


def dumps(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv: list[str]) -> int:
    rows = build()
    text = dumps(rows)
    if "--check" in argv:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("pii.jsonl up to date" if same else "pii.jsonl differs from generator output")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    from collections import Counter
    c_lang = Counter(r["lang"] for r in rows)
    c_type = Counter(e["type"] for r in rows for e in r["entities"])
    n_neg = sum(1 for r in rows if not r["entities"])
    print(f"wrote {OUT} rows={len(rows)} by_lang={dict(c_lang)} hard_negatives={n_neg} entities={dict(c_type)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
