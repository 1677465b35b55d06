"""The memory page in headless Chromium: sign in, see, edit and delete memories, forget everything (after asking),
sign out."""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import uuid
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from agent.client.sdk import ensure_assistant, memories, send, wait_for_memory
from agent.memory.manage import admin, export
from agent.server.tokens import mint
from tests.conftest import AUTH_SECRET

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "img"
SCREENSHOTS_ENV = "MEMORY_CHATBOT_SCREENSHOTS"
"""Set to 1 to write the README's screenshots into docs/img/; otherwise a test run leaves the clone unchanged."""


def screenshot(browser, name: str, tmp_path: Path) -> None:
    """The page as it looks now: into docs/img/ when asked for (``SCREENSHOTS_ENV``), else beside the test."""
    folder = IMAGES if os.environ.get(SCREENSHOTS_ENV) == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(folder / name))


CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


pytestmark = [pytest.mark.server, pytest.mark.browser]


@pytest.fixture
def browser(tmp_path):
    assert CHROMIUM and DRIVER, "Debian's chromium and chromium-driver are needed (make test installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _rows(driver, where: str = "#facts") -> list[str]:
    """What the page lists in ``where``, one entry per row (read in one step: the page re-renders)."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0] + ' li.row')].map(e => e.dataset.fact)", where
    )


def _row(kind: str, key: str, field: str | None = None) -> str:
    return f"#facts li.row[data-type={kind}][data-key={key}]" + (f"[data-field={field}]" if field else "")


INTERNAL_NAMES = ("semantic", "collection", "userprofile", "never_keep", "episode", "memory_type", "instructions")


async def test_page_shows_edits_deletes_restores_and_forgets_behind_a_login(browser, server, connect, tmp_path):
    user = "paula"
    client = connect(user)
    namespace = ["memory", user, "collection"]
    await client.store.put_item(namespace, "tea", {"content": "The user likes green tea.", "context": None})
    await client.store.put_item(namespace, "city", {"content": "The user lives in Turin.", "context": None})
    profile = {"name": "Paula", "location": "Turin", "job": "architect", "connections": [], "interests": ["tea"]}
    await client.store.put_item(["memory", user, "profile"], "profile", profile, index=False)
    document = {"content": "Name: Paula\nLives in Turin\nLikes green tea"}
    await client.store.put_item(["memory", user, "semantic"], "semantic", document, index=False)
    wait = WebDriverWait(browser, 20)

    def run(step):  # the browser is synchronous; keep the event loop free for the SDK
        return asyncio.to_thread(step)

    def click(css: str):
        return run(lambda: browser.find_element(By.CSS_SELECTOR, css).click())

    def status_is(text: str, where: str = "status"):
        return run(lambda: wait.until(lambda d: d.find_element(By.ID, where).text == text))

    def clear_status() -> None:  # so that waiting for the next "Saved." waits for the next save
        browser.execute_script("document.getElementById('status').textContent = ''")

    # Not signed in: a sign-in form, and the memories' API refuses the browser.
    await run(lambda: browser.get(f"{server.url}/memories/api/items"))
    assert "missing bearer token" in browser.page_source.lower()
    await run(lambda: browser.get(f"{server.url}/memories"))
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "token").is_displayed()))
    assert browser.find_element(By.ID, "status").text == "", "a first visit shows no error"

    # A wrong token is refused on the page.
    browser.find_element(By.ID, "token").send_keys(mint(user, secret="not-the-server-secret"))
    await click("#sign-in")
    await run(lambda: wait.until(lambda d: "signature" in d.find_element(By.ID, "status").text))

    # Sign in with a token: it stays in the tab (sessionStorage); no cookie exists for any page to ride on.
    browser.find_element(By.ID, "token").send_keys(mint(user, secret=AUTH_SECRET))
    await click("#sign-in")
    await run(lambda: wait.until(lambda d: len(_rows(d)) == 9))
    assert browser.find_element(By.ID, "user").text == user
    assert browser.get_cookies() == [] and browser.execute_script("return document.cookie") == ""
    kept = browser.execute_script("return [Object.keys(sessionStorage), Object.keys(localStorage)]")
    assert sorted(kept[0]) == ["memory_chatbot_token", f"memory_page_seen:{user}"], kept
    assert kept[1] == [f"memory_page_seen:{user}"], "the token stays in the tab; the browser keeps only a time"
    # A reload keeps the tab signed in.
    await run(lambda: browser.refresh())
    await run(lambda: wait.until(lambda d: len(_rows(d)) == 9))

    # One list of plain sentences across kinds, each with where it came from; no internal name on the page.
    assert sorted(_rows(browser)) == sorted(
        [
            *("Name: Paula", "Lives in Turin", "Likes green tea"),
            *("Your name: Paula", "Your location: Turin", "Your job: architect", "Your interests: tea"),
            *("The user likes green tea.", "The user lives in Turin."),
        ]
    )
    shown = browser.execute_script("return document.querySelector('main').innerText").lower()
    assert not [name for name in INTERNAL_NAMES if name in shown], shown
    assert "No words of yours are kept" in browser.find_element(By.CSS_SELECTOR, _row("collection", "city")).text
    health = browser.find_element(By.ID, "health-lines").text
    assert "I keep 4 memories about you" in health, health
    browser.set_window_size(1000, 1400)
    screenshot(browser, "memory-page.png", tmp_path)

    # Search what it knows.
    browser.find_element(By.ID, "fact-search").send_keys("turin")
    await run(lambda: wait.until(lambda d: len(_rows(d)) == 3))
    browser.find_element(By.ID, "fact-search").clear()
    browser.execute_script("document.getElementById('fact-search').dispatchEvent(new Event('input'))")
    await run(lambda: wait.until(lambda d: len(_rows(d)) == 9))

    # Fix one in place.
    city = _row("collection", "city")
    await click(f"{city} .fix-open")
    field = browser.find_element(By.CSS_SELECTOR, f"{city} .edit [data-field=content]")
    field.clear()
    field.send_keys("The user lives in Milan.")
    await click(f"{city} .save")
    await status_is("Saved.")
    assert (await client.store.get_item(namespace, "city"))["value"]["content"] == "The user lives in Milan."

    # A profile field reads as a sentence and is fixed alone; the others stay.
    await click(f"{_row('profile', 'profile', 'job')} .fix-open")
    job = browser.find_element(By.CSS_SELECTOR, f"{_row('profile', 'profile', 'job')} .edit input")
    job.clear()
    job.send_keys("teacher")
    clear_status()
    await click(f"{_row('profile', 'profile', 'job')} .save")
    await status_is("Saved.")
    stored = (await client.store.get_item(["memory", user, "profile"], "profile"))["value"]
    assert stored["job"] == "teacher" and stored["name"] == "Paula" and stored["interests"] == ["tea"]

    # Forget asks first; what is forgotten is under "Recently forgotten", whose history brings it back.
    tea = _row("collection", "tea")
    await click(f"{tea} .delete")
    await run(lambda: wait.until(expected_conditions.alert_is_present()))
    browser.switch_to.alert.dismiss()
    assert await client.store.get_item(namespace, "tea") is not None
    await click(f"{tea} .delete")
    await run(lambda: wait.until(expected_conditions.alert_is_present()))
    browser.switch_to.alert.accept()
    await run(lambda: wait.until(lambda d: "The user likes green tea." not in _rows(d)))
    assert await client.store.get_item(namespace, "tea") is None
    assert _rows(browser, "#deleted") == ["The user likes green tea."]

    # A memory's history: dates, where each version came from and what changed; restoring the first brings
    # Turin back.
    city = _row("collection", "city")
    await click(f"{city} .history")
    await run(lambda: wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, f"{city} .version")) == 2))
    newest = browser.find_element(By.CSS_SELECTOR, f"{city} .version").text
    assert "edited on this page" in newest and "“The user lives in Turin.” → “The user lives in Milan.”" in newest
    screenshot(browser, "memory-history.png", tmp_path)
    await click(f"{city} .version[data-version='1'] .restore")
    await status_is("Restored version 1.")
    assert (await client.store.get_item(namespace, "city"))["value"]["content"] == "The user lives in Turin."
    versions = await admin.memory_history(client, user, "collection", "city")
    assert [(v["source"], v.get("restored_from")) for v in versions] == [("unknown", None), ("page", None), ("page", 1)]

    await click("#deleted li.row[data-key=tea] .history")
    await run(lambda: wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#deleted .version[data-version='1']")))
    await click("#deleted .version[data-version='1'] .restore")
    await run(lambda: wait.until(lambda d: "The user likes green tea." in _rows(d)))
    assert (await client.store.get_item(namespace, "tea"))["value"]["content"] == "The user likes green tea."

    # Add something to remember, in the user's own words.
    browser.find_element(By.CSS_SELECTOR, "#add-fields [data-field=content]").send_keys("I prefer oolong.")
    await click("#add-form button[type=submit]")
    await status_is("Remembered.", "add-status")
    assert "I prefer oolong." in [i["value"]["content"] for i in await memories(client, user, "collection")]

    # Go back in time: every memory as it was before the page's edits and deletes (a version of its own).
    browser.execute_script("document.getElementById('restore-when').value = arguments[0]", "2000-01-01T00:00")
    await click("#restore-at")
    await run(lambda: wait.until(expected_conditions.alert_is_present()))
    browser.switch_to.alert.accept()
    await run(lambda: wait.until(lambda d: "Restored" in d.find_element(By.ID, "restore-status").text))
    restored = browser.find_element(By.ID, "restore-status").text
    assert "left as they were" not in restored, restored  # every kept history starts with its first version

    # Earlier chats: none here (these memories were put through the store), and the page says so.
    await click("#add-earlier")
    await run(lambda: wait.until(lambda d: "Added" in d.find_element(By.ID, "add-earlier-status").text))
    assert browser.find_element(By.ID, "add-earlier-status").text == "Added 0 exchanges from 0 chats."

    # "Forget everything" asks first; cancelling keeps everything.
    await click("#forget")
    await run(lambda: wait.until(expected_conditions.alert_is_present()))
    browser.switch_to.alert.dismiss()
    assert await client.store.get_item(namespace, "city") is not None

    await click("#forget")
    await run(lambda: wait.until(expected_conditions.alert_is_present()))
    browser.switch_to.alert.accept()
    await run(lambda: wait.until(lambda d: "Forgot" in d.find_element(By.ID, "status").text))
    assert [i for i in (await client.store.search_items(["memory", user]))["items"]] == []

    # Signing out forgets the token in this tab.
    await click("#sign-out")
    assert browser.execute_script("return sessionStorage.length") == 0
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "token").is_displayed()))


async def test_facts_held_for_review_are_confirmed_fixed_or_discarded_on_the_page(
    browser, server, connect, endpoint, tmp_path
):
    user = f"rhea-{uuid.uuid4().hex[:6]}"
    client = connect(user)
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)

    async def teach(text: str) -> None:
        thread = (await client.threads.create())["thread_id"]
        await send(client, assistant, thread, user, text, out=io.StringIO())
        await wait_for_memory(client, thread)

    endpoint.mode = "garbled"  # the verification comes back unusable: both facts wait for review
    await teach("I'm Rhea and I live in Oslo.")
    endpoint.mode = "inventive"  # a fact quoted from words never said
    await teach("I work as a baker.")
    endpoint.mode = "honest"
    held = {h["fact"]: h for h in await admin.review_list(client, user)}
    assert sorted(held) == ["The user enjoys skydiving.", "The user lives in Oslo.", "The user's name is Rhea."]
    assert [i["value"]["content"] for i in await memories(client, user, "collection")] == ["The user works as a baker."]
    wait = WebDriverWait(browser, 20)

    def run(step):
        return asyncio.to_thread(step)

    def box(fact: str) -> str:
        return f"#review .held[data-id='{held[fact]['id']}']"

    await run(lambda: browser.get(f"{server.url}/memories"))
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "token").is_displayed()))
    browser.find_element(By.ID, "token").send_keys(mint(user, secret=AUTH_SECRET))
    await run(lambda: browser.find_element(By.ID, "sign-in").click())
    await run(lambda: wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#review .held")) == 3))
    oslo = browser.find_element(By.CSS_SELECTOR, box("The user lives in Oslo.")).text
    assert "You said “I live in Oslo”" in oslo and "it could not be checked" in oslo, oslo
    invented = browser.find_element(By.CSS_SELECTOR, box("The user enjoys skydiving.")).text
    assert "No words of yours back it" in invented and "the words it quoted are not yours" in invented, invented
    baker = browser.find_element(By.CSS_SELECTOR, "#facts li.row[data-type=collection] .quote").text
    assert "Because you said “I work as a baker”" in baker, baker
    browser.set_window_size(1000, 1200)
    screenshot(browser, "memory-review.png", tmp_path)

    name, city, invented_fact = "The user's name is Rhea.", "The user lives in Oslo.", "The user enjoys skydiving."

    def click(fact: str, button: str):
        return run(lambda: browser.find_element(By.CSS_SELECTOR, f"{box(fact)} {button}").click())

    def status_is(text: str):
        return run(lambda: wait.until(lambda d: d.find_element(By.ID, "status").text == text))

    await click(name, ".confirm")
    await status_is("Kept as a memory.")
    await click(city, ".fix")
    fix = browser.find_element(By.CSS_SELECTOR, f"{box(city)} .fix-text")
    fix.clear()
    fix.send_keys("The user lives in Bergen.")
    await click(city, ".fix")
    await status_is("Kept, in your words.")
    await click(invented_fact, ".discard")
    await status_is("Discarded.")
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "review-section").get_attribute("hidden")))

    contents = sorted(i["value"]["content"] for i in await memories(client, user, "collection"))
    assert contents == ["The user lives in Bergen.", "The user works as a baker.", "The user's name is Rhea."]
    assert await admin.review_list(client, user) == []
    decisions = await client.store.get_item(["memory", user, "history", "review"], held[invented_fact]["id"])
    assert decisions is not None and decisions["value"]["versions"][-1]["decision"] == "discard"
    health = await admin.health_report(client, user)
    assert (health["held"], health["to_review"]) == (3, 0)


async def test_the_controls_pause_memory_and_a_new_rule_offers_to_forget_what_it_covers(
    browser, server, connect, tmp_path
):
    user = f"tess-{uuid.uuid4().hex[:6]}"
    client = connect(user)
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    for text in ("I enjoy physiotherapy for my back pain.", "I like chess."):
        await send(client, assistant, thread, user, text, out=io.StringIO())
        await wait_for_memory(client, thread)
    wait = WebDriverWait(browser, 20)

    def run(step):
        return asyncio.to_thread(step)

    await _sign_in(browser, wait, server, user)
    await run(
        lambda: wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "input[name=switch][value=on]").is_selected())
    )

    await run(lambda: browser.find_element(By.CSS_SELECTOR, "input[name=switch][value=off-unused]").click())
    await run(lambda: wait.until(lambda d: "paused" in d.find_element(By.ID, "switch-status").text))
    switch = await client.store.get_item(["memory", user, "controls"], "switch")
    assert switch["value"] == {"paused": True, "use_while_paused": False, "temporary_by_default": False}

    browser.find_element(By.ID, "rule-topic").send_keys("anything about my health")
    await run(lambda: browser.find_element(By.CSS_SELECTOR, "#rule-form button").click())
    await run(lambda: wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#rule-covered li")))
    offered = browser.find_element(By.ID, "rule-covered").text
    assert "back pain" in offered and "enjoys chess" not in offered, offered
    assert "you said “I like chess.” (the bot's reply to it mentions it)" in offered, offered
    browser.set_window_size(1000, 1400)
    screenshot(browser, "memory-controls.png", tmp_path)
    await run(lambda: browser.find_element(By.CSS_SELECTOR, "#rule-covered button").click())
    await run(lambda: wait.until(lambda d: "Tick what to forget first" in d.find_element(By.ID, "rule-status").text))
    assert len(await memories(client, user, "collection")) == 2, "nothing is forgotten unless ticked"
    for label in browser.find_elements(By.CSS_SELECTOR, "#rule-covered li label"):
        if "back pain" in label.text:
            label.find_element(By.TAG_NAME, "input").click()
    await run(lambda: browser.find_element(By.CSS_SELECTOR, "#rule-covered button").click())
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "rule-status").text.startswith("Forgot")))
    kept = [i["value"]["content"] for i in await memories(client, user, "collection")]
    assert kept == ["The user enjoys chess."]
    assert [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#rules li")] == ["anything about my health Remove"]


async def _sign_in(browser, wait, server, user: str) -> None:
    """Open the page and sign in as ``user`` with a token the server accepts."""
    await asyncio.to_thread(browser.get, f"{server.url}/memories")
    await asyncio.to_thread(wait.until, lambda d: d.find_element(By.ID, "token").is_displayed())
    browser.find_element(By.ID, "token").send_keys(mint(user, secret=AUTH_SECRET))
    await asyncio.to_thread(lambda: browser.find_element(By.ID, "sign-in").click())


def _text(driver, css: str) -> str:
    """The text of the first element ``css`` finds, read in one step (the page re-renders under a wait)."""
    return driver.execute_script("return document.querySelector(arguments[0])?.innerText || ''", css)


AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"


def _audit(browser) -> list[dict]:
    """axe-core's serious and critical accessibility violations of the page as it is now."""
    assert AXE.is_file(), "axe-core is not installed: `make test`, or `npm ci` in tests/js"
    browser.execute_script(AXE.read_text())
    found = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))));"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


async def test_conversations_receipts_settings_and_a_phone_width_page_that_passes_an_audit(
    browser, server, connect, tmp_path
):
    user = f"uma-{uuid.uuid4().hex[:6]}"
    client = connect(user)
    assistant = await ensure_assistant(client, "collection", memory_delay_seconds=0)
    thread = (await client.threads.create())["thread_id"]
    for text in ("I live in Lisbon.", "I like sailing.", "Where do I live?"):
        await send(client, assistant, thread, user, text, out=io.StringIO())
        await wait_for_memory(client, thread)
    exported = await admin.stored_items(client, user, "collection")
    wait = WebDriverWait(browser, 20)

    def run(step):
        return asyncio.to_thread(step)

    await _sign_in(browser, wait, server, user)
    await run(lambda: wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#episodes .episode")) == 3))

    # Past conversations, searched by meaning; what an answer used, with a step to forget it.
    browser.find_element(By.ID, "conversation-query").send_keys("sailing")
    await run(lambda: browser.find_element(By.CSS_SELECTOR, "#conversation-search button").click())
    await run(lambda: wait.until(lambda d: "sailing" in _text(d, "#episodes .episode")))
    browser.find_element(By.ID, "conversation-query").clear()
    await run(lambda: browser.find_element(By.CSS_SELECTOR, "#conversation-search button").click())
    asked = "#episodes .episode:first-child"
    await run(lambda: wait.until(lambda d: "Where do I live?" in _text(d, asked)))
    await run(lambda: browser.find_element(By.CSS_SELECTOR, f"{asked} .why-open").click())
    await run(lambda: wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"{asked} .used li")))
    used = browser.find_element(By.CSS_SELECTOR, f"{asked} .used").text
    assert "What I knew: “The user lives in Lisbon.”" in used and "Forget it" in used, used

    # A memory the bot wrote is fixed in place.
    lisbon = "#facts li.row[data-fact='The user lives in Lisbon.']"
    await run(lambda: browser.find_element(By.CSS_SELECTOR, f"{lisbon} .fix-open").click())
    field = browser.find_element(By.CSS_SELECTOR, f"{lisbon} .edit [data-field=content]")
    field.clear()
    field.send_keys("The user lives in Porto.")
    await run(lambda: browser.find_element(By.CSS_SELECTOR, f"{lisbon} .save").click())
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "status").text == "Saved."))
    assert "The user lives in Porto." in [i["value"]["content"] for i in await memories(client, user, "collection")]

    # Activity says what changed after the chats, and what the person changed themself.
    await run(lambda: wait.until(lambda d: "(you, on this page)" in _text(d, "#changes")))
    changes = _text(browser, "#changes")
    assert "Remembered: “The user lives in Lisbon.”" in changes, changes
    assert "Updated: “The user lives in Porto.” (you, on this page)" in changes, changes

    # Settings: chats temporary by default, saved for the user.
    await run(lambda: browser.find_element(By.ID, "temporary-default").click())
    said = "New chats are temporary."
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "temporary-status").text == said))
    switch = await client.store.get_item(["memory", user, "controls"], "switch")
    assert switch["value"]["temporary_by_default"] is True

    # Bring back a download: forget one memory, import the export, and it is back.
    download = tmp_path / "download.json"
    download.write_text(json.dumps(await export.export_user(client, user)))
    await client.store.delete_item(["memory", user, "collection"], exported[0]["key"])
    browser.find_element(By.ID, "import-file").send_keys(str(download))
    await run(lambda: wait.until(lambda d: "Brought back" in d.find_element(By.ID, "import-status").text))
    assert len(await admin.stored_items(client, user, "collection")) == len(exported)

    # Keyboard and screen reader: no serious violation; at phone width, no sideways scrolling.
    assert _audit(browser) == []
    browser.set_window_size(375, 900)
    await asyncio.sleep(0.5)
    widths = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"sideways scroll at 375 px: {widths}"
    screenshot(browser, "memory-phone.png", tmp_path)
    browser.set_window_size(1000, 1400)
