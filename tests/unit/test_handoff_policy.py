"""The handoff policy on its own: each trigger and each non-trigger, English and Chinese.

The classifier's labels are given here, so these tests pin the rules; tests/integration/test_handoff.py
runs the same kinds of messages through the real classifiers and pipeline.
"""

from __future__ import annotations

import pytest

from assistant.domain import EmotionPrediction, IntentPrediction, Understanding
from assistant.handoff.policy import HandoffPolicy, HandoffSignals

POLICY = HandoffPolicy()


def understood(
    intent: str = "card_arrival", emotion: str = "neutral", intensity: float = 0.0, confidence: float = 0.9
) -> Understanding:
    return Understanding(
        intent=IntentPrediction(label=intent, confidence=confidence),
        emotion=EmotionPrediction(label=emotion, intensity=intensity, confidence=0.8),
    )


def emotions(*labels: tuple[str, float]) -> list[EmotionPrediction]:
    return [EmotionPrediction(label=label, intensity=i, confidence=0.8) for label, i in labels]


def decide(text: str, u: Understanding | None = None, **kwargs: object):
    return POLICY.decide(
        HandoffSignals(
            text=text,
            understanding=u or understood(),
            abstained=bool(kwargs.pop("abstained", False)),
            **kwargs,
        )
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "Can I speak to a real person please?",
        "agent",
        "is there someone I can talk to? not a bot",
        "转人工",
        "我要人工客服",
        "轉人工，謝謝",
        "能不能找个真人跟我说",
    ],
)
def test_explicit_requests_for_a_person_hand_off_even_when_the_classifier_misses(text):
    result = decide(text, understood("card_arrival", confidence=0.3))
    assert (result.decision, result.reason, result.priority) == (True, "explicit_request", 3)


def test_the_human_agent_intent_hands_off():
    assert (
        decide("could you get me one of your colleagues", understood("human_agent")).reason
        == "explicit_request"
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("There's a payment on my card I didn't make", "card_payment_not_recognised"),
        ("Someone withdrew ¥3,000 from my account last night", "cash_withdrawal_not_recognised"),
        ("I clicked a link in an SMS and entered my card details", "card_arrival"),
        ("I gave the caller the code from my text message", "verify_my_identity"),
        ("我的卡被盗刷了", "compromised_card"),
        ("有一笔我没有消费过的扣款", "card_payment_not_recognised"),
        ("我點了簡訊裡的連結，還輸入了卡號", "card_arrival"),
        ("被骗了，转了两万给骗子", "transfer_into_account"),
    ],
)
def test_signs_of_fraud_hand_off_with_the_highest_priority(text, intent):
    result = decide(text, understood(intent, "anxious", 0.7))
    assert (result.decision, result.reason, result.priority) == (True, "risk", 1)


@pytest.mark.parametrize(
    "text",
    [
        "What should I do if my card is stolen?",
        "How can I spot a phishing email?",
        "如果信用卡被盗刷了怎么办？",
        "怎么分辨是不是钓鱼短信？",
        "I didn't recognise a payment at first but it turns out it was my son",
    ],
)
def test_hypothetical_and_how_to_questions_about_fraud_are_answered_not_escalated(text):
    assert not decide(text, understood("compromised_card", confidence=0.55)).decision


@pytest.mark.parametrize(
    "text",
    [
        "I want to make a formal complaint",
        "I'd like to lodge a complaint about your branch",
        "我要投诉",
        "我要投訴你們的客服",
    ],
)
def test_formal_complaints_hand_off_with_high_priority(text):
    result = decide(text, understood("complaint", "frustrated", 0.3))
    assert (result.decision, result.reason, result.priority) == (True, "complaint", 2)


@pytest.mark.parametrize(
    "text", ["How long does the complaints process take?", "投诉流程需要多久？", "怎麼投訴？"]
)
def test_asking_about_the_complaints_process_does_not_hand_off(text):
    assert not decide(text, understood("complaint", confidence=0.8)).decision


def test_anger_hands_off_with_high_priority_in_both_languages():
    en = decide("This is outrageous", understood("card_arrival", "angry", 0.8))
    zh = decide("你们这什么破服务！！", understood("card_arrival", "frustrated", 0.6))
    assert (en.reason, en.priority) == ("emotion", 2)
    assert (zh.reason, zh.priority) == ("emotion", 2)


def test_frustration_that_persists_over_three_turns_hands_off_but_one_annoyed_message_does_not():
    persisted = decide(
        "still not working",
        understood("card_not_working", "frustrated", 0.6),
        earlier_emotions=emotions(("frustrated", 0.4), ("frustrated", 0.5)),
    )
    assert (persisted.reason, persisted.priority) == ("emotion", 3)
    assert not decide(
        "a bit annoying that it's slow", understood("card_not_working", "frustrated", 0.6)
    ).decision
    assert not decide(
        "还是不行",
        understood("card_not_working", "frustrated", 0.6),
        earlier_emotions=emotions(("neutral", 0.0), ("frustrated", 0.5)),
    ).decision


def test_two_unanswered_turns_in_a_row_hand_off_one_only_offers_a_person():
    once = decide("do you do crypto custody?", abstained=True)
    assert not once.decision and once.offer_person
    twice = decide("and NFT storage?", abstained=True, previous_abstentions=1)
    assert (twice.decision, twice.reason, twice.priority) == (True, "unanswered", 3)


@pytest.mark.parametrize(
    ("text", "intent", "emotion"),
    [
        ("What is the annual fee of the gold card?", "card_arrival", "neutral"),
        ("hello", "greeting", "neutral"),
        ("thanks, that helps!", "thanks", "satisfied"),
        ("bye", "goodbye", "neutral"),
        ("I don't quite get it, can you explain again?", "card_arrival", "confused"),
        ("is there a human-verified step when I open an account?", "verify_my_identity", "neutral"),
        ("开户需要人工审核吗？", "verify_my_identity", "neutral"),
        ("你好", "greeting", "neutral"),
        ("谢谢，明白了", "thanks", "satisfied"),
        ("上个月的投诉已经处理好了，挺满意的", "complaint", "satisfied"),
        ("有点没看懂，能再解释一下吗", "card_arrival", "confused"),
    ],
)
def test_ordinary_questions_small_talk_and_mild_confusion_do_not_hand_off(text, intent, emotion):
    result = decide(text, understood(intent, emotion, 0.4))
    assert not result.decision and result.reason is None and result.priority is None


def test_a_turn_meeting_several_rules_is_filed_under_the_most_urgent():
    result = decide(
        "Someone stole my card details and I want to speak to a person NOW!!",
        understood("compromised_card", "angry", 0.9),
    )
    assert result.reason == "risk" and result.also == ["explicit_request", "emotion"]


@pytest.mark.parametrize(
    "text",
    [
        "My father passed away last month, how do I close his account?",
        "I lost my job and I can't keep up with my loan repayments",
        "debt collectors are ringing me every day about my credit card",
        "I'm in hospital having chemo and can't get to a branch",
        "A man called from your bank: I must move my savings to a new account today. Is this real?",
        "是我妈的卡，她前两天走了，我想把她的自动扣款都停掉",
        "公司裁员我失业了，下个月房贷肯定还不上了",
        "我爸住院了，医药费要从他卡里取",
        "有人打电话说是银行的，让我把钱转到一个新账户，我还没转，这是真的假的？",
        # Older and confused, asked for a code or to open a link, ill at home and behind on the card.
        "I am 74 and I don't understand what's going on with these messages",
        "我七十多了，搞不懂这些，心里很慌",
        "Someone texted me a link saying my card is frozen, should I click it? Is it really you?",
        "有人加我微信說是你們銀行的客服，叫我點一個鏈接，這是真的嗎？",
        "My husband is ill and we're behind on the credit card",
    ],
)
def test_a_vulnerable_customer_reaches_a_person(text):
    result = decide(text, understood("card_arrival", "neutral", 0.3))
    assert (result.decision, result.reason, result.priority) == (True, "vulnerable", 2)


@pytest.mark.parametrize(
    "text",
    [
        "What happens to an account when the holder dies?",
        "What's your hardship policy for mortgage customers?",
        "What should I do if my mother passes away and I'm her executor?",
        "账户持有人去世后，家属一般要办什么手续？",
        "I can't pay with Apple Pay at this shop, why?",
        "我上次打电话，人工客服说我这张卡可以免年费，是真的吗",
        "I'm 68, which deposits suit retired people?",
        "I don't understand the fee table, can you explain it?",
        "How do I reset my password?",
        "I'm sick of waiting for my new card",
    ],
)
def test_questions_about_bereavement_or_hardship_in_general_are_answered(text):
    assert not decide(text, understood("card_arrival", "neutral", 0.3)).decision


@pytest.mark.parametrize(
    "text",
    [
        "The 'police' said my account is linked to money laundering and told me to move it to a safe account",
        "The caller had me install AnyDesk and now there are transfers I never made",
        "I think I left my card on the train and I've just seen two payments at a petrol station",
        "She met a man on Facebook and has been sending money to his 'investment' site",
        "我爸接到自称公安的电话，说他涉嫌洗钱，让他把钱转到安全账户，已经转了八万",
        "平台说要先交20%保证金才能提现，“老师”也联系不上了",
        "我張卡前日喺的士度唔見咗，今日先發覺有幾單簽賬唔係我簽嘅",
    ],
)
def test_a_scam_told_without_the_word_scam_is_risk(text):
    result = decide(text, understood("card_arrival", "neutral", 0.3))
    assert (result.decision, result.reason, result.priority) == (True, "risk", 1)


@pytest.mark.parametrize(
    "text",
    [
        "my bike got stolen lol. does my premium current account come with insurance for it?",
        "I run a bakery. What's the best way to protect myself against chargeback fraud?",
        "Got a text asking me to click a link. I didn't click it, just deleted it. Do you send these?",
        "我电动车昨晚被偷了，能不能打一份刷卡买车的流水给派出所？",
        "我朋友被网上刷单骗了，你们有没有防诈骗的宣传资料可以发给老人看",
    ],
)
def test_theft_of_other_things_and_staying_safe_are_not_risk(text):
    assert not decide(text, understood("card_arrival", "neutral", 0.3)).decision


@pytest.mark.parametrize(
    "text",
    [
        "is there a number I can ring to talk this through?",
        "Can you loop in someone from your team?",
        "I'd prefer to go through this with a member of staff",
        "could someone call me back this afternoon",
        "麻烦安排个专员联系我",
        "有没有客服电话，我直接打过去问",
        "唔該幫我搵個職員跟進吓",
    ],
)
def test_indirect_requests_for_a_person_hand_off(text):
    result = decide(text, understood("card_arrival", confidence=0.3))
    assert (result.decision, result.reason) == (True, "explicit_request")


def test_a_person_mentioned_in_passing_is_not_a_request_but_a_request_beside_it_is():
    assert not decide("Does a real person check the documents I upload?").decision
    assert not decide("the agent told me last week the fee would be refunded, has it been?").decision
    both = decide("the agent told me it was refunded. it wasn't. I want to speak to a manager")
    assert both.reason == "explicit_request"


@pytest.mark.parametrize(
    "text",
    ["客服电话几点到几点？挂失也是这个时间吗", "人工客服几点上班？", "What are your call centre hours?"],
)
def test_asking_when_the_phone_line_is_open_is_not_a_request(text):
    assert not decide(text).decision
    assert decide(text + " 我要转人工" if "客服" in text else text + " Put me through to an agent.").decision


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("This is the third time I'm asking the same question.", "neutral"),
        (
            "Wonderful. Another week, another failed transfer. I'm moving my money to another bank.",
            "satisfied",
        ),
        ("呵呵，一个月失败三回了，工资卡我准备换到别家去了", "anxious"),
        ("我已经问第三次了，每次都是等等等", "frustrated"),
    ],
)
def test_anger_said_calmly_reaches_a_person(text, emotion):
    assert decide(text, understood("transfer_not_received_by_recipient", emotion, 0.5)).reason == "emotion"


def test_a_grievance_told_calmly_or_a_thank_you_is_not_anger():
    calm = understood("card_payment_fee_charged", "angry", 0.6)
    assert not decide("You charged me a fee after your app outage stopped my transfer.", calm).decision
    thanked = understood("complaint", "angry", 0.68)
    assert not decide("上次投诉ATM吞钱的事已经解决了，钱也退回来了，谢谢你们", thanked).decision
