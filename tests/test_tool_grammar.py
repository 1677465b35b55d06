"""The checks that keep a small model's tool calls valid, on hand-written model output."""

from __future__ import annotations

from agent.models import tool_grammar
from agent.schemas import Memory, UserProfile

TRUSTCALL_PROMPT = """Generate JSONPatches to update the existing schema instances.
<existing>
<instance id=profile schema_type="UserProfile">
{'name': 'Lance', 'location': 'San Francisco', 'job': None, 'connections': [], 'interests': ['biking']}
</instance>
</existing>"""


def test_bounded_schema_caps_every_string_and_array():
    schema = tool_grammar.bounded(UserProfile.model_json_schema())
    props = schema["properties"]
    assert props["interests"]["maxItems"] == tool_grammar.MAX_ITEMS
    assert props["interests"]["items"]["maxLength"] == tool_grammar.MAX_STRING
    assert schema["required"] == list(props)
    assert schema["additionalProperties"] is False


def test_existing_documents_are_read_from_trustcalls_prompt():
    assert tool_grammar.existing_documents(TRUSTCALL_PROMPT) == [
        (
            "profile",
            {"name": "Lance", "location": "San Francisco", "job": None, "connections": [], "interests": ["biking"]},
        )
    ]


def test_invented_values_are_dropped_and_lists_deduplicated():
    said = "I moved to Boston and I like sailing"
    model_wrote = {
        "name": "Mike",
        "location": "Boston",
        "job": "Marketing Manager",
        "interests": ["sailing", "sailing", "Fashion"],
    }
    assert tool_grammar.grounded(model_wrote, said) == {"location": "Boston", "interests": ["sailing"]}
    assert tool_grammar.grounded("The user lives in Boston. The fact is a fact.", said) == "The user lives in Boston."


def test_patches_only_touch_existing_fields_and_append_new_items():
    document = tool_grammar.existing_documents(TRUSTCALL_PROMPT)[0][1]
    patches = tool_grammar.merge_patches(
        document, {"location": "Boston", "interests": ["biking", "sailing"], "age": "40"}
    )
    assert patches == [
        {"op": "replace", "path": "/location", "value": "Boston"},
        {"op": "add", "path": "/interests/-", "value": "sailing"},
    ]


def test_same_topic_finds_the_memory_a_new_fact_restates():
    documents = [("a", {"content": "The user lives in San Francisco."}), ("b", {"content": "The user likes biking."})]
    assert tool_grammar.same_topic(documents, Memory(content="The user lives in Boston.").model_dump()) == "a"
    assert tool_grammar.same_topic(documents, {"content": "The user has a sister named Ana."}) is None
