"""`aiops eval`: scenario files, the harness that runs them, and the scores (docs/eval.md)."""
