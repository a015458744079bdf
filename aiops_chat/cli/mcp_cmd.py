"""`aiops mcp`: serve the assistant's policy-guarded tools to other agents over the Model Context Protocol.

Only the standard library at top level: the `mcp` SDK (and uvicorn) load inside the handler, so
`aiops --help` and `--version` never import them.
"""

from __future__ import annotations

import argparse

from aiops_chat.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "mcp", help="serve the policy-guarded tools to other agents (MCP, stdio or HTTP)",
        description="Serves the chat's tools (typed kubectl/helm tools, the generic kubectl and helm tools, "
        "analyze_cluster) over the Model Context Protocol. Every call goes through the same policy, redaction, "
        "injection guard and audit log as the chat; a write asks the person through the client (MCP "
        "elicitation) and is refused when the client cannot ask. Example client config: "
        '{"command": "aiops", "args": ["mcp", "--context", "dev"]}')
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio",
                        help="stdio for a local client that starts aiops (default); http for Streamable HTTP")
    parser.add_argument("--host", default="127.0.0.1",
                        help="HTTP address to bind (default 127.0.0.1; any other needs --token-file)")
    parser.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    parser.add_argument("--read-only", action="store_true", help="refuse every write, whatever the context's tier")
    parser.add_argument("--token-file", metavar="FILE",
                        help="HTTP: require `Authorization: Bearer <token>` with the token in FILE (mode 600)")
    parser.set_defaults(handler=run_mcp)


def run_mcp(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: must be between 1 and 65535")
    if args.transport == "stdio" and args.token_file:
        raise UsageError("--token-file is for --transport http; a stdio server is reachable only by its parent")
    import anyio

    from aiops_chat.audit import AuditLog
    from aiops_chat.config import load_config
    from aiops_chat.mcp.http import check_bind, read_token, serve_http
    from aiops_chat.mcp.server import serve_stdio
    from aiops_chat.mcp.service import ToolService

    token = read_token(args.token_file) if args.token_file else None
    if args.transport == "http":
        check_bind(args.host, token)  # before anything else: a refused bind must not look like a start
    cfg = load_config(args.config)
    audit = AuditLog.for_config(cfg) if cfg.audit.enabled else None
    service = ToolService(cfg, context=args.context, namespace=args.namespace, read_only=args.read_only,
                          audit=audit)
    if args.transport == "stdio":
        anyio.run(serve_stdio, service)
    else:
        anyio.run(lambda: serve_http(service, host=args.host, port=args.port, token=token))
    return 0
