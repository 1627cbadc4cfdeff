"""``grapevine web``: the consoles in a browser (textual-serve), for teams without
Python on their machines.

::

    grapevine web --url http://127.0.0.1:8000/ [--host 127.0.0.1] [--port 8001]

Each browser session runs ``python -m tui.login --url URL``: a login page asking for
the account and the console (team, director, scoreboard), which then opens in the
page. The page itself asks for no password, but the range API does: nobody gets
further than the login without an account. The web server binds to 127.0.0.1 unless
told otherwise.

``range`` must not import ``tui``: the login is a command line here, run per session.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys

from range.commands.team import add_console_arguments

LOGIN = "tui.login"
"""The module textual-serve runs per browser session."""
DEFAULT_PORT = 8001


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grapevine web`` to the CLI."""
    parser = subparsers.add_parser(
        "web",
        help="serve the consoles in a browser",
        description="Serve the team, director and scoreboard consoles in a browser "
        "(each session logs in first).",
    )
    add_console_arguments(parser, None)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the page's address as browsers reach it (default: http://HOST:PORT)",
    )
    parser.set_defaults(handler=run)


def session_command(url: str, api_root: str) -> str:
    """The shell command textual-serve runs for each browser session."""
    words = [sys.executable, "-m", LOGIN, "--url", url, "--api-root", api_root]
    return shlex.join(words)


def _host_in_url(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


def run(args: argparse.Namespace) -> int:
    from textual_serve.server import Server

    public_url = args.public_url or f"http://{_host_in_url(args.host)}:{args.port}"
    server = Server(
        session_command(args.url, args.api_root),
        host=args.host,
        port=args.port,
        title="Grapevine",
        public_url=public_url.rstrip("/"),
    )
    print(f"serving the Grapevine consoles on {public_url} for {args.url}", flush=True)
    print("each browser session logs in first; Ctrl-C stops", flush=True)
    server.serve()
    return 0
