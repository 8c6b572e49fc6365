"""The verdict: a pure function Report -> Verdict that every output opens with (outcome,
root cause, causal chain, what is not the cause, and the primary fix)."""
from wizard.verdict.judge import judge
from wizard.verdict.model import EXIT_STATUS, Verdict, exit_status

__all__ = ["EXIT_STATUS", "Verdict", "exit_status", "judge"]
