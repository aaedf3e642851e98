"""Bounds on what the AI helper may spend: prompt tokens, LLM calls per task, time."""

from __future__ import annotations

import math

from .provider import AIBudgetExceededError

# Local Ollama silently cuts prompts past 2-4k tokens; every re-rank prompt stays below.
MAX_PROMPT_TOKENS = 2500
# The estimate below over-counts; this margin keeps real tokens under the bound anyway.
PROMPT_TOKEN_TARGET = 2300
# Two votes (the candidates in two orders) per re-rank.
MAX_RERANK_CALLS = 2
# Enough for: resolve a title, fetch candidates, one more read, propose, answer.
MAX_ASK_CALLS = 6
# Every LLM call gives up after this many seconds (the caller falls back or says so).
DEFAULT_TIMEOUT = 20.0
# An answer past this is cut, so a tool cannot flood the conversation.
MAX_TOOL_RESULT_CHARS = 4000
# A cl100k/o200k token is 3-4 characters of English or JSON: 3 over-counts on purpose.
ASCII_CHARS_PER_TOKEN = 3
# CJK characters take about 1.1 cl100k tokens each (0.7 in o200k), accented letters
# less; 1.5 stays above that, as bench/ai.py shows per script.
TOKENS_PER_OTHER_CHAR = 1.5


def estimate_tokens(text: str) -> int:
    """Return a deliberately high estimate of the tokens of a text (no tokenizer at runtime)."""
    ascii_chars = len(text.encode("ascii", "ignore"))
    other_chars = len(text) - ascii_chars
    return math.ceil(
        ascii_chars / ASCII_CHARS_PER_TOKEN + other_chars * TOKENS_PER_OTHER_CHAR
    )


class CallBudget:
    """Counts LLM calls of one task and refuses the one past its limit."""

    def __init__(self, limit: int) -> None:
        """Allow limit calls."""
        self.limit = limit
        self.used = 0

    @property
    def left(self) -> int:
        """Return how many calls are left."""
        return self.limit - self.used

    def spend(self) -> None:
        """Count one call, or raise AIBudgetExceededError when none is left."""
        if self.used >= self.limit:
            raise AIBudgetExceededError(f"more than {self.limit} LLM calls")
        self.used += 1
