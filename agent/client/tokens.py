"""Mint or revoke bearer tokens from the command line (minting needs the server's MEMORY_CHATBOT_AUTH_SECRET).

python -m agent.client.tokens mint <user_id> [--days 30]
python -m agent.client.tokens revoke <user_id> --url http://127.0.0.1:2024
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from dotenv import load_dotenv

from agent.client.errors import explain
from agent.client.sdk import connect
from agent.secret import HOW_TO_SET, SECRET_ENV, configured
from agent.server import tokens


async def revoke(url: str, user_id: str) -> float:
    """Revoke every token of ``user_id`` issued until now, through the server (as that user)."""
    client = connect(url, tokens.mint(user_id, days=1 / 1440))
    response = await client.http.post("/memories/api/revoke-tokens", json={})
    return response["revoked_before"]


def main(argv: list[str] | None = None) -> None:
    load_dotenv(Path.cwd() / ".env")  # the secret where the server reads it (the environment wins)
    parser = argparse.ArgumentParser(description="Mint or revoke bearer tokens (needs MEMORY_CHATBOT_AUTH_SECRET).")
    sub = parser.add_subparsers(dest="command", required=True)
    minting = sub.add_parser("mint", help="print a new token for a user")
    minting.add_argument("user_id")
    minting.add_argument("--days", type=float, default=30)
    revoking = sub.add_parser("revoke", help="refuse every token of a user issued until now")
    revoking.add_argument("user_id")
    revoking.add_argument("--url", default="http://127.0.0.1:2024")
    args = parser.parse_args(argv)
    if not configured():
        sys.exit(f"error: {SECRET_ENV} is not set (in .env or the environment). Set one: {HOW_TO_SET}")
    try:
        if args.command == "mint":
            print(tokens.mint(args.user_id, days=args.days))
        else:
            revoked_before = asyncio.run(revoke(args.url, args.user_id))
            print(f"every token of {args.user_id!r} issued before {time.ctime(revoked_before)} is now refused")
    except (ValueError, RuntimeError) as error:
        sys.exit(f"error: {error}")
    except Exception as error:
        if (line := explain(error, args.url)) is None:
            raise
        sys.exit(f"error: {line}")


if __name__ == "__main__":
    main()
