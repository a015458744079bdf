"""`aiops mcp`: the chat's tool registry served over the Model Context Protocol.

The only package importing the `mcp` SDK (a test guards it), and only when `aiops mcp` runs. Every tool
call takes the chat's path: the tool runner, the executor's one pipeline (policy with the pinned context's
tier, injection guard, approval, spawn, redaction, audit). Approval of a write is asked of a person
through the client's elicitation; nothing the client puts in a tool's arguments approves anything.
"""
