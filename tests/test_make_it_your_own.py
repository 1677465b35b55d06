"""The README's "Make it your own" changes, all applied to one copy of the project as a reader would (a profile
field, a memory kind, a prompt), served by a real `langgraph dev` and chatted with on the scripted endpoint."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from agent.client.sdk import connect, ensure_assistant, send, wait_for_memory
from agent.secret import SECRET_ENV
from agent.server.tokens import mint
from devtools.dev_server import PROJECT_ROOT, DevServer, config_copy
from tests.conftest import AUTH_SECRET
from tests.readme_snippets import kind_snippet, profile_field

PROMPT_BEFORE = "You are a helpful and friendly assistant"
PROMPT_AFTER = "You are a cheerful gardening assistant"


def _edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer holds {old!r}: the README's instructions need a look"
    path.write_text(text.replace(old, new, 1))


def _made_our_own(copy) -> None:
    """The README's changes, made the way its words say."""
    agent = copy / "agent"
    _edit(agent / "schemas.py", "    interests: list[str]", f"    {profile_field()}\n    interests: list[str]")
    parts = kind_snippet()
    (agent / "schemas.py").write_text((agent / "schemas.py").read_text() + "\n\n" + parts["agent/schemas.py"])
    (agent / "prompts.py").write_text((agent / "prompts.py").read_text() + "\n" + parts["agent/prompts.py"])
    _edit(agent / "memory/kinds.py", "SemanticDocument, UserProfile\n", "Project, SemanticDocument, UserProfile\n")
    declaration = textwrap.indent(parts["agent/memory/kinds.py"].strip(), "    ")
    _edit(agent / "memory/kinds.py", "\n)\nMEMORY_KINDS", f"\n{declaration},\n)\nMEMORY_KINDS")
    _edit(agent / "prompts.py", PROMPT_BEFORE, PROMPT_AFTER)


@pytest.mark.server
async def test_a_new_field_a_new_kind_and_a_new_prompt_work_together(tmp_path, endpoint):
    copy = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "agent", copy / "agent", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "langgraph.json", copy / "langgraph.json")
    _made_our_own(copy)
    env = {
        "OPENAI_BASE_URL": endpoint.base_url,
        "OPENAI_API_KEY": "scripted-test-key",
        SECRET_ENV: AUTH_SECRET,
        "PYTHONPATH": str(copy),  # the copy's `agent`, not the editable install's
    }
    workdir = tmp_path / "server"
    workdir.mkdir()
    with DevServer(config_copy(workdir, env, source=copy / "langgraph.json"), workdir=workdir, env=env) as server:
        client = connect(server.url, mint("gardener", secret=AUTH_SECRET))

        projects = await ensure_assistant(client, "projects")
        thread = (await client.threads.create())["thread_id"]
        await send(client, projects, thread, "gardener", "I'm building a garden shed. The roof is not on yet.")
        await wait_for_memory(client, thread)
        kept = (await client.store.search_items(["memory", "gardener", "projects"]))["items"]
        assert [item["value"]["name"] for item in kept] == ["The user is building a garden shed."]

        profile = await ensure_assistant(client, "profile")
        thread = (await client.threads.create())["thread_id"]
        await send(client, profile, thread, "gardener", "I'm Ada. My pets are two hens and a goat.")
        await wait_for_memory(client, thread)
        stored = await client.store.get_item(["memory", "gardener", "profile"], "profile")
        assert stored["value"]["name"] == "Ada" and stored["value"]["pets"] == ["two hens and a goat"]

        schema = await client.assistants.get_schemas(profile)
        assert "projects" in str(schema["context_schema"]), "Studio offers the new kind"
    assert any(PROMPT_AFTER in prompt for prompt in endpoint.prompts()), "the answering prompt is the copy's"
