"""The AI helper: LLM providers, prompts, budgets and re-ranking (HA-free except ai_task.py)."""
