"""The memory page in headless Chromium: sign in, see, edit and delete memories, forget everything (after asking),
sign out."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from agent.memory import admin
from agent.server.tokens import mint
from tests.conftest import AUTH_SECRET

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


def _items(driver) -> list[str]:
    """Keys of the collection memories the page shows (read in one step: the page re-renders)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('section[data-type=collection] .item')].map(e => e.dataset.key)"
    )


async def test_page_lists_deletes_and_forgets_behind_a_login(browser, server, connect):
    user = "paula"
    client = connect(user)
    namespace = ["memory", user, "collection"]
    await client.store.put_item(namespace, "tea", {"content": "The user likes green tea.", "context": None})
    await client.store.put_item(namespace, "city", {"content": "The user lives in Turin.", "context": None})
    wait = WebDriverWait(browser, 20)

    def run(step):  # the browser is synchronous; keep the event loop free for the SDK
        return asyncio.to_thread(step)

    # Not signed in: a sign-in form, and the memories' API refuses the browser.
    await run(lambda: browser.get(f"{server.url}/memories/api/items"))
    assert "missing bearer token" in browser.page_source.lower()
    await run(lambda: browser.get(f"{server.url}/memories"))
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "token").is_displayed()))

    # A wrong token is refused on the page.
    browser.find_element(By.ID, "token").send_keys(mint(user, secret="not-the-server-secret"))
    await run(lambda: browser.find_element(By.ID, "sign-in").click())
    await run(lambda: wait.until(lambda d: "signature" in d.find_element(By.ID, "status").text))

    # Sign in with a token: it stays in the tab (sessionStorage); no cookie exists for any page to ride on.
    browser.find_element(By.ID, "token").send_keys(mint(user, secret=AUTH_SECRET))
    await run(lambda: browser.find_element(By.ID, "sign-in").click())
    await run(lambda: wait.until(lambda d: len(_items(d)) == 2))
    assert browser.find_element(By.ID, "user").text == user
    assert browser.get_cookies() == [] and browser.execute_script("return document.cookie") == ""
    assert browser.execute_script("return sessionStorage.length") == 1
    # A reload keeps the tab signed in.
    await run(lambda: browser.refresh())
    await run(lambda: wait.until(lambda d: len(_items(d)) == 2))
    shown = browser.find_element(By.CSS_SELECTOR, ".item[data-key=city] textarea").get_attribute("value")
    assert "The user lives in Turin." in shown

    # Edit one memory in place.
    edited = '{"content": "The user lives in Milan.", "context": null}'
    browser.execute_script("document.querySelector('.item[data-key=city] textarea').value = arguments[0]", edited)
    await run(lambda: browser.find_element(By.CSS_SELECTOR, ".item[data-key=city] .save").click())
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "status").text == "Saved."))
    assert (await client.store.get_item(namespace, "city"))["value"]["content"] == "The user lives in Milan."

    # Delete one memory: the page and the store both lose it.
    await run(lambda: browser.find_element(By.CSS_SELECTOR, ".item[data-key=tea] .delete").click())
    await run(lambda: wait.until(lambda d: _items(d) == ["city"]))
    assert await client.store.get_item(namespace, "tea") is None
    assert (await client.store.get_item(namespace, "city"))["value"]["content"] == "The user lives in Milan."

    # A memory's history: the page's edit is a version of its own; restoring the first brings Turin back.
    await run(lambda: browser.find_element(By.CSS_SELECTOR, ".item[data-key=city] .history").click())
    await run(lambda: wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".item[data-key=city] .version")) == 2))
    newest = browser.find_element(By.CSS_SELECTOR, ".item[data-key=city] .version").text
    assert "Milan" in newest and "page" in newest
    await run(
        lambda: browser.find_element(
            By.CSS_SELECTOR, ".item[data-key=city] .version[data-version='1'] .restore"
        ).click()
    )
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "status").text == "Restored version 1."))
    assert (await client.store.get_item(namespace, "city"))["value"]["content"] == "The user lives in Turin."
    versions = await admin.memory_history(client, user, "collection", "city")
    assert [(v["source"], v.get("restored_from")) for v in versions] == [("unknown", None), ("page", None), ("page", 1)]

    # "Forget everything" asks first; cancelling keeps everything.
    await run(lambda: browser.find_element(By.ID, "forget").click())
    await run(lambda: wait.until(expected_conditions.alert_is_present()))
    browser.switch_to.alert.dismiss()
    assert await client.store.get_item(namespace, "city") is not None

    await run(lambda: browser.find_element(By.ID, "forget").click())
    await run(lambda: wait.until(expected_conditions.alert_is_present()))
    browser.switch_to.alert.accept()
    await run(lambda: wait.until(lambda d: "Forgot" in d.find_element(By.ID, "status").text))
    assert (await client.store.search_items(["memory", user]))["items"] == []

    # Signing out forgets the token in this tab.
    await run(lambda: browser.find_element(By.ID, "sign-out").click())
    assert browser.execute_script("return sessionStorage.length") == 0
    await run(lambda: wait.until(lambda d: d.find_element(By.ID, "token").is_displayed()))
