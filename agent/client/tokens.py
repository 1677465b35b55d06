"""Mint or revoke bearer tokens from the command line (minting needs the server's MEMORY_CHATBOT_AUTH_SECRET).

python -m agent.client.tokens mint <user_id> [--days 30]
python -m agent.client.tokens revoke <user_id> --url http://127.0.0.1:2024
"""

from __future__ import annotations

import argparse
import asyncio
import time

from agent.client.sdk import connect
from agent.server import tokens


async def revoke(url: str, user_id: str) -> float:
    """Revoke every token of ``user_id`` issued until now, through the server (as that user)."""
    client = connect(url, tokens.mint(user_id, days=1 / 1440))
    response = await client.http.post("/memories/api/revoke-tokens", json={})
    return response["revoked_before"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Mint or revoke bearer tokens (needs MEMORY_CHATBOT_AUTH_SECRET).")
    sub = parser.add_subparsers(dest="command", required=True)
    minting = sub.add_parser("mint", help="print a new token for a user")
    minting.add_argument("user_id")
    minting.add_argument("--days", type=float, default=30)
    revoking = sub.add_parser("revoke", help="refuse every token of a user issued until now")
    revoking.add_argument("user_id")
    revoking.add_argument("--url", default="http://127.0.0.1:2024")
    args = parser.parse_args(argv)
    try:
        if args.command == "mint":
            print(tokens.mint(args.user_id, days=args.days))
        else:
            revoked_before = asyncio.run(revoke(args.url, args.user_id))
            print(f"every token of {args.user_id!r} issued before {time.ctime(revoked_before)} is now refused")
    except (ValueError, RuntimeError) as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
