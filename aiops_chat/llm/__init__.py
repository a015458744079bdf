"""The language-model layer: the only package that imports `openai` (lazily, inside functions).

`client.LLMClient` talks to any OpenAI-compatible endpoint; `retry` is the one retry layer; `stream`
assembles streamed text and tool-call deltas; `templates` renders the prompt files; `probe` backs
`aiops doctor --llm`.
"""
