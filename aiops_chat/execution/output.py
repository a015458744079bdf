"""Capping command output: keep the head and the tail, mark the cut, so errors at either end survive."""

from __future__ import annotations


def cap_text(text: str, max_bytes: int) -> tuple[str, bool]:
    data = text.encode("utf-8", errors="replace")
    if len(data) <= max_bytes:
        return text, False
    head_n = max_bytes * 2 // 3
    tail_n = max_bytes - head_n
    head = data[:head_n].decode("utf-8", errors="ignore")
    tail = data[-tail_n:].decode("utf-8", errors="ignore")
    # Cut at line boundaries where possible; a half line reads as noise.
    if "\n" in head[len(head) // 2:]:
        head = head[: head.rfind("\n") + 1]
    if "\n" in tail[: len(tail) // 2]:
        tail = tail[tail.find("\n") + 1:]
    cut = len(data) - len(head.encode()) - len(tail.encode())
    return f"{head}\n… [{cut} bytes cut by aiops: output longer than {max_bytes} bytes] …\n{tail}", True
