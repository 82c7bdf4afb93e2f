"""One error root with clear branches: retryable, terminal, and safe to show to the user."""


class AssistantError(Exception):
    """Root of every error the assistant raises on purpose."""


class RetryableError(AssistantError):
    """A dependency failed in a way that may succeed on another try (timeouts, 429, 5xx)."""


class TerminalError(AssistantError):
    """A failure that retrying will not fix (bad configuration, corrupt model file)."""


class UserFacingError(AssistantError):
    """A problem with the user's input; the message is safe and meant to be shown."""


class LLMUnavailableError(RetryableError):
    """The language model could not produce an answer in time.

    ``retry_helps`` is False when another try would only repeat the failure or the wait (a timeout,
    a 4xx other than 429, an open circuit).
    """

    def __init__(self, message: str, retry_helps: bool = True) -> None:
        super().__init__(message)
        self.retry_helps = retry_helps


class ModelIntegrityError(TerminalError):
    """A model file does not match its pinned sha256."""


class DocumentError(UserFacingError):
    """A document could not be loaded; the message says why."""
