"""LoCoMo question answering end to end through a running deployment, graded the way the papers grade it.

    .venv/bin/python -m bench.quality --url http://127.0.0.1:2024 [--token TOKEN] \\
        [--conversations 10] [--questions M] [--sessions S] \\
        [--model openai:gpt-4o-mini] [--judge-model openai:gpt-4o-mini] [--judge-prompt FILE] [--out results.json]

For each of the first N conversations of ../shared/data/locomo10.json, one user of the deployment:
- ingest: one chat run per session (272 in all) on a fresh thread, through an assistant with
  memory_type=collection; the session's turns are one message, one line per turn written
  "[<session date>] <speaker>: <text>" (a shared photo as its caption), and each memory write is
  waited for before the next session;
- answer: each of the first M questions of categories 1-4 (with --sessions S, of those whose evidence
  lies in the first S sessions) in a fresh thread, through an assistant whose system prompt asks for
  short answers (bench/quality_prompts.py); its memory writes are cancelled afterwards;
- grade against the gold answer: J, the share an LLM judge (--judge-model, run here; the prompt in
  bench/quality_prompts.py or --judge-prompt) labels CORRECT; token F1 after SQuAD normalisation;
  BLEU-1 (nltk, smoothed); the memory tokens in the answering prompt (o200k_base, counted offline);
  the answer's latency (the whole chat run, seen from the client).

Who is who: with --token (or MEMORY_CHATBOT_TOKEN) every conversation runs as the token's user,
which must hold no collection memories (the benchmark forgets them between conversations);
without one, where MEMORY_CHATBOT_AUTH_SECRET is set a token is minted per conversation's user;
against langgraph.local.json (no auth) the user is named in the run's context.

`--model` and `--judge-model` are 'provider:model' strings; `openai:...` reaches any OpenAI-compatible
server through OPENAI_BASE_URL (the deployment's environment for --model, this process's for
--judge-model).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Literal

from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from agent.client.sdk import DEFAULT_URL, RunFailed, connect, wait_for_memory
from agent.memory.manage.admin import forget_user, stored_items
from agent.models.registry import load_chat_model
from agent.secret import SECRET_ENV
from agent.server import tokens
from bench.answer_scores import bleu1, f1, judge_prompt, parse_verdict
from bench.locomo_data import (
    CATEGORIES,
    DEFAULT_DATA,
    Session,
    load,
    questions,
    sessions,
)
from bench.quality_prompts import (
    ANSWER_SYSTEM_PROMPT,
    INGEST_SYSTEM_PROMPT,
    JUDGE_PROMPT,
)
from bench.tokens import TOKENIZER, count_tokens

ROOT = Path(__file__).resolve().parent.parent

GRAPH_ID = "chatbot"
MEMORY_TYPE = "collection"
PUBLISHED_J = [("mem0", 66.9), ("full context", 72.9), ("Zep", 66.0), ("LangMem", 58.1)]  # gpt-4o-mini, LoCoMo 1-4
ANSWER_WRITE_DELAY = 3600  # the answering runs' memory writes wait this long, and are cancelled before they start


class Verdict(BaseModel):
    reasoning: str
    label: Literal["CORRECT", "WRONG"]


# -- the deployment ---------------------------------------------------------------------------------


class Deployment:
    """Clients of the server, one user per conversation, as the server's configuration allows."""

    def __init__(self, url: str, token: str | None, run_tag: str):
        self.url, self.token, self.run_tag = url, token, run_tag
        self.secret = os.environ.get(SECRET_ENV)

    def user_for(self, sample_id: str):
        """(client, user) for one conversation."""
        if self.token:
            return connect(self.url, self.token), tokens.claimed_user(self.token)
        user = f"locomo-{sample_id}-{self.run_tag}"
        return connect(self.url, tokens.mint(user) if self.secret else None), user


async def create_assistant(client, model: str | None, system_prompt: str, delay: float) -> str:
    context = {"memory_type": MEMORY_TYPE, "system_prompt": system_prompt, "memory_delay_seconds": delay}
    if model:
        context["model"] = model
    created = await client.assistants.create(graph_id=GRAPH_ID, context=context, metadata={"purpose": "bench/quality"})
    return created["assistant_id"]


async def run_once(client, assistant_id: str, user: str, text: str) -> tuple[str, dict]:
    """One chat run on a fresh thread; (thread_id, final state). Raises RunFailed if the run failed."""
    thread_id = (await client.threads.create(metadata={"purpose": "bench/quality"}))["thread_id"]
    values = await client.runs.wait(
        thread_id, assistant_id, input={"messages": [{"role": "user", "content": text}]}, context={"user_id": user}
    )
    if not isinstance(values, dict) or "__error__" in values:
        raise RunFailed(f"chat run failed: {values.get('__error__') if isinstance(values, dict) else values}")
    return thread_id, values


def session_message(session: Session) -> str:
    """The session as one message: "[<date>] <speaker>: <text>" per turn, a shared photo as its caption."""
    lines = []
    for turn in session.turns:
        text = turn.get("text", "").strip()
        if turn.get("blip_caption"):
            text = f"{text} [shares {turn['blip_caption']}]".strip()
        lines.append(f"[{session.day}] {turn['speaker']}: {text}")
    return "\n".join(lines)


async def ingest(client, assistant_id: str, user: str, chosen: list[Session]) -> dict:
    """One chat run per session, each memory write waited for; counts of sessions and failed writes."""
    failed = 0
    for number, session in enumerate(chosen, 1):
        try:
            thread_id, _ = await run_once(client, assistant_id, user, session_message(session))
            await wait_for_memory(client, thread_id)
        except RunFailed as error:
            failed += 1
            print(f"  session {session.number}: {error}", file=sys.stderr)
        print(f"  ingested session {number}/{len(chosen)}", end="\r", flush=True)
    print()
    return {"sessions": len(chosen), "failed_writes": failed}


async def cancel_pending_writes(client, writer_thread_id: str | None) -> None:
    """Cancel the memory writes the answering runs queued (their questions are not memories)."""
    if writer_thread_id is None:
        return
    pending: list[dict] = []
    while page := await client.runs.list(writer_thread_id, status="pending", limit=100, offset=len(pending)):
        pending += page
        if len(page) < 100:
            break
    for run in pending:
        await client.runs.cancel(writer_thread_id, run["run_id"])


# -- grading ----------------------------------------------------------------------------------------


async def judge(model, template: str, question: str, gold: str, answer: str) -> dict:
    """The judge's label and reasoning; a reply that is not a verdict is asked again under structured output."""
    prompt = judge_prompt(template, question, gold, answer)
    reply = await model.ainvoke([HumanMessage(prompt)])
    verdict = parse_verdict(reply.text)
    if verdict is None:
        try:
            structured = await model.with_structured_output(Verdict).ainvoke([HumanMessage(prompt)])
            verdict = (structured.label, structured.reasoning)
        except Exception as error:  # the model cannot give a verdict: counted as WRONG, and reported
            return {"label": "WRONG", "reasoning": f"no verdict ({type(error).__name__})", "judge_reply": reply.text}
    return {"label": verdict[0], "reasoning": verdict[1]}


def chosen_questions(conversation: dict, count: int | None, ingested: list[Session], limited: bool) -> list[dict]:
    """The first ``count`` questions of categories 1-4; when sessions are limited, only those answerable from them."""
    numbers = {f"D{s.number}" for s in ingested}
    picked = [
        qa
        for qa in questions(conversation)
        if not limited or (qa.get("evidence") and all(e.split(":")[0] in numbers for e in qa["evidence"]))
    ]
    return picked[:count] if count is not None else picked


# -- report -----------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (the value itself for a single sample)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def summarise(records: list[dict]) -> dict[str, dict]:
    """Per category and overall: n, J, F1, BLEU-1 (%), memory tokens, answer latency p50/p95 (s)."""
    groups = {"overall": records}
    for name in CATEGORIES.values():
        if chosen := [r for r in records if r["category"] == name]:
            groups[name] = chosen
    return {
        name: {
            "n": len(rows),
            "J": 100 * statistics.mean(r["label"] == "CORRECT" for r in rows),
            "F1": 100 * statistics.mean(r["f1"] for r in rows),
            "BLEU-1": 100 * statistics.mean(r["bleu1"] for r in rows),
            "memory_tokens": statistics.mean(r["memory_tokens"] for r in rows),
            "latency_p50_s": percentile([r["latency_s"] for r in rows], 0.5),
            "latency_p95_s": percentile([r["latency_s"] for r in rows], 0.95),
        }
        for name, rows in groups.items()
    }


def print_report(summary: dict[str, dict], header: str) -> None:
    print(f"\n{header}")
    print(f"{'category':<13}{'n':>5}{'J':>7}{'F1':>7}{'BLEU-1':>8}{'memory tokens':>15}{'p50 s':>8}{'p95 s':>8}")
    for name in [*CATEGORIES.values(), "overall"]:
        if name in summary:
            s = summary[name]
            print(
                f"{name:<13}{s['n']:>5}{s['J']:>7.1f}{s['F1']:>7.1f}{s['BLEU-1']:>8.1f}"
                f"{s['memory_tokens']:>15.0f}{s['latency_p50_s']:>8.2f}{s['latency_p95_s']:>8.2f}"
            )
    anchors = ", ".join(f"{name} {j}" for name, j in PUBLISHED_J)
    print(f"published J, LoCoMo categories 1-4, gpt-4o-mini: {anchors}")
    print(f"memory tokens: the memory section of the answering prompt, {TOKENIZER}")


# -- the run ----------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict:
    conversations = load(args.data)[: args.conversations]
    template = args.judge_prompt.read_text() if args.judge_prompt else JUDGE_PROMPT
    judge_model = load_chat_model(args.judge_model)
    deployment = Deployment(args.url, args.token, uuid.uuid4().hex[:8])
    records: list[dict] = []
    ingested: list[dict] = []
    try:
        for index, conversation in enumerate(conversations):
            await run_conversation(args, deployment, index, conversation, judge_model, template, records, ingested)
    except BaseException:
        if args.out and records:  # an hour of answers is not lost to one failure
            args.out.write_text(json.dumps(results(args, template, ingested, records, None), indent=2))
            print(f"\nstopped; the {len(records)} questions answered so far are in {args.out}", file=sys.stderr)
        raise
    if not records:
        raise SystemExit("no question was asked (check --questions and --sessions)")
    summary = summarise(records)
    failed = sum(i["failed_writes"] for i in ingested)
    unanswered = sum(1 for r in records if r.get("error"))
    header = (
        f"LoCoMo QA through {args.url}: {len(conversations)} conversation(s), "
        f"{sum(i['sessions'] for i in ingested)} sessions ingested ({failed} failed memory writes), "
        f"{len(records)} questions ({unanswered} failed runs, graded WRONG); "
        f"model {args.model or '(the deployment default)'}, judge {args.judge_model}"
    )
    print_report(summary, header)
    result = results(args, template, ingested, records, summary)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
        print(f"wrote {args.out}")
    return result


def results(args: argparse.Namespace, template: str, ingested: list, records: list, summary: dict | None) -> dict:
    return {
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "tokenizer": TOKENIZER,
        "judge_prompt": template,
        "ingested": ingested,
        "summary": summary,
        "published_J": dict(PUBLISHED_J),
        "questions": records,
    }


async def run_conversation(args, deployment, index, conversation, judge_model, template, records, ingested) -> None:
    """Ingest one conversation as one user, then answer and grade its questions (appended to ``records``)."""
    client, user = deployment.user_for(conversation["sample_id"])
    if deployment.token:
        if index:
            await forget_user(client, user)
        elif await stored_items(client, user, MEMORY_TYPE):
            raise SystemExit(
                f"{user!r} already has {MEMORY_TYPE} memories: use a token of a user kept for the benchmark"
            )
    chosen = sessions(conversation)[: args.sessions]
    print(f"{conversation['sample_id']} as {user!r}: {len(chosen)} sessions")
    ingest_id = await create_assistant(client, args.model, INGEST_SYSTEM_PROMPT, 0)
    ingested.append({"conversation": conversation["sample_id"], **await ingest(client, ingest_id, user, chosen)})
    answer_id = await create_assistant(client, args.model, ANSWER_SYSTEM_PROMPT, ANSWER_WRITE_DELAY)
    writer_thread: dict[str, str | None] = {}
    try:
        for qa in chosen_questions(conversation, args.questions, chosen, args.sessions is not None):
            record = await answer_and_grade(client, answer_id, user, qa, judge_model, template, conversation)
            writer_thread["id"] = record.pop("writer_thread_id", None) or writer_thread.get("id")
            records.append(record)
            print(f"  answered {len(records)}: {record['label']}", end="\r", flush=True)
    finally:
        await cancel_pending_writes(client, writer_thread.get("id"))
    print()


async def answer_and_grade(client, assistant_id, user, qa, judge_model, template, conversation) -> dict:
    start = time.perf_counter()
    gold, error = str(qa["answer"]), None
    try:
        _, values = await run_once(client, assistant_id, user, qa["question"])
    except RunFailed as failure:  # counted as a wrong answer, and reported
        values, error = {"messages": [{"content": ""}]}, str(failure)
    seconds = time.perf_counter() - start
    last = values["messages"][-1]
    answer = (
        last["content"]
        if isinstance(last["content"], str)
        else "".join(part.get("text", "") for part in last["content"] if isinstance(part, dict))
    )
    memory = values.get("recalled_memory") or ""
    if error:
        verdict = {"label": "WRONG", "reasoning": "the chat run failed", "error": error}
    else:
        verdict = await judge(judge_model, template, qa["question"], gold, answer)
    return {
        "conversation": conversation["sample_id"],
        "category": CATEGORIES[qa["category"]],
        "question": qa["question"],
        "gold": gold,
        "evidence": qa.get("evidence", []),
        "answer": answer,
        **verdict,
        "f1": f1(answer, gold),
        "bleu1": bleu1(answer, gold),
        "memory_tokens": count_tokens(memory),
        "memory_chars": len(memory),
        "memory": memory,
        "latency_s": seconds,
        "writer_thread_id": (values.get("memory_write") or {}).get("thread_id"),
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=DEFAULT_URL, help=f"the deployment (default {DEFAULT_URL})")
    p.add_argument("--token", default=os.environ.get("MEMORY_CHATBOT_TOKEN"), help="bearer token (auth on)")
    p.add_argument("--conversations", type=int, default=10, help="the first N conversations (default all 10)")
    p.add_argument(
        "--questions", type=int, default=None, help="the first M questions of categories 1-4 per conversation"
    )
    p.add_argument("--sessions", type=int, default=None, help="ingest only the first S sessions (smoke runs)")
    p.add_argument(
        "--model", default=None, help="'provider:model' answering and writing memory (default: the deployment's)"
    )
    p.add_argument("--judge-model", default="openai:gpt-4o-mini", help="'provider:model' of the judge, run here")
    p.add_argument("--judge-prompt", type=Path, default=None, help="a file replacing the judge prompt")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--out", type=Path, default=None, help="write every question's answer, grade and memories here")
    return p


def main(argv: list[str] | None = None) -> dict:
    return asyncio.run(run(parser().parse_args(argv)))


if __name__ == "__main__":
    main()
