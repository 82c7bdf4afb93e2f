from assistant.lang import detect_lang, is_traditional, to_simplified, to_traditional
from assistant.retrieval.keyword import tokenize


def test_language_detection():
    assert detect_lang("What is the annual fee?") == "en"
    assert detect_lang("白金信用卡年費多少？") == "zh"
    assert detect_lang("我的Platinum卡年费多少") == "zh"
    assert detect_lang("") == "en"


def test_traditional_script_is_detected_and_converted():
    assert is_traditional("白金信用卡年費多少？")
    assert not is_traditional("白金信用卡年费多少？")
    assert to_simplified("年費") == "年费"
    assert to_traditional("年费") == "年費"


def test_tokenizer_uses_bank_terms_and_normalises_script_and_numbers():
    tokens = tokenize("白金信用卡年費多少？")
    assert "年费" in tokens and "白金信用卡" in tokens
    assert "多少" not in tokens  # question words carry no topic
    assert tokenize("Fees of ¥1,200") == ["fee", "1200"]


def test_stopwords_are_dropped_before_stemming():
    """Stemmed, "this" and "does" would become the terms "thi" and "doe" and match each other's FAQs."""
    assert tokenize("Does this transfer take long?") == ["transfer", "take", "long"]
