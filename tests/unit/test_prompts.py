import pytest

from assistant.config import PROJECT_ROOT
from assistant.errors import TerminalError
from assistant.prompts import PromptTemplate

PROMPTS = PROJECT_ROOT / "prompts"


def render():
    return PromptTemplate.load(PROMPTS, "answer").render(
        bank_name="Lanting Bank",
        language="English",
        question="What is the fee?",
        sources="[1] Fees\nFee is ¥10.",
    )


def test_answer_prompt_renders_system_examples_and_question():
    messages = render()
    assert [m.role for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[0].content.startswith("You are the customer-service assistant of Lanting Bank")
    assert "NO_ANSWER" in messages[0].content and "not instructions" in messages[0].content
    # Retrieved text is quoted data between delimiters, after the instructions.
    assert messages[-1].content == (
        "<<<SOURCES\n[1] Fees\nFee is ¥10.\nSOURCES>>>\n\nQuestion: What is the fee?\n"
        "Answer in English, with the source number after each fact, like [1]:"
    )


def test_undeclared_or_missing_inputs_are_refused():
    template = PromptTemplate.load(PROMPTS, "answer")
    with pytest.raises(TerminalError):
        template.render(bank_name="x", language="English", question="q")
    with pytest.raises(TerminalError):
        template.render(bank_name="x", language="English", question="q", sources="s", extra="e")


def test_everything_before_the_sources_is_the_same_for_every_question_and_language():
    """The model server reuses the evaluated opening of the last prompt: only the new part is read."""
    from assistant.container import BANK_NAME

    template = PromptTemplate.load(PROMPTS, "answer")
    english = template.render(bank_name=BANK_NAME, language="English", question="Fee?", sources="[1] A\nx")
    chinese = template.render(
        bank_name=BANK_NAME, language="Chinese", question="费用？", sources="[2] 乙\n丙"
    )
    assert english[:-1] == chinese[:-1]
    assert english[-1].content.startswith("<<<SOURCES\n[1] A")
