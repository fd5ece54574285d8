"""The dashboard in a real browser: a demo user's day (network, subnet, an instance that
reaches ACTIVE without a reload, its console log, a volume, a floating IP, all deleted
again, log out), an admin's hypervisors, a member refused an admin page; axe-core on the
main pages; screenshots at 1280x800 into docs/screenshots/."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from nubo.compute.agent.virt.fake import FakeDriver
from tests.browser.conftest import Cloud, axe_violations, shot

#: the longest a step waits for the cloud (the fake hypervisor is quick; CI machines slow)
WAIT_MS = 60_000


async def login(page: Any, user: str, password: str) -> None:
    """By keyboard: the user field has the focus, Tab to the password, Enter submits."""
    await page.goto("/login")
    await expect(page.locator("#user")).to_be_focused()
    await page.keyboard.type(user)
    await page.keyboard.press("Tab")
    await page.keyboard.type(password)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()


async def no_violations(page: Any, where: str) -> None:
    found = await axe_violations(page)
    assert found == [], f"{where}: {found}"


async def ok_flash(page: Any, text: str) -> None:
    await expect(page.locator(".flash").first).to_contain_text(text)


async def reload_until(page: Any, locator: Any, text: str) -> None:
    """Pages without live rows (volumes): reload until the state shows."""
    for _ in range(200):
        if text in (await locator.inner_text()):
            return
        await page.wait_for_timeout(250)
        await page.reload()
    raise AssertionError(f"{text!r} never showed in {await locator.inner_text()!r}")


async def test_a_demo_users_day(cloud: Cloud, page: Any) -> None:
    await page.goto("/login")
    await no_violations(page, "login")
    await shot(page, "login")
    await login(page, "demo", cloud.demo_password)

    # a network and a subnet
    await page.goto("/networks")
    await page.fill("#net-name", "web-net")
    await expect(page.locator("form[action='/networks'] code")).to_have_text(
        "openstack network create web-net")
    await page.click("text=Create network")
    await ok_flash(page, "Network web-net created.")
    await page.select_option("#sub-net", label="web-net")
    await page.fill("#sub-name", "web-subnet")
    await page.fill("#sub-cidr", "10.9.0.0/24")
    await page.click("text=Create subnet")
    await ok_flash(page, "Subnet 10.9.0.0/24 created.")
    await expect(page.locator("table.list")).to_contain_text("10.9.0.0/24")
    await no_violations(page, "networks")
    await shot(page, "networks")

    # a volume to attach later
    await page.goto("/volumes")
    await page.fill("#vol-name", "data")
    await page.click("text=Create volume")
    await ok_flash(page, "Creating volume data.")
    await reload_until(page, page.locator("table.list"), "available")

    # launch on the fake hypervisor; the list turns ACTIVE by itself (htmx polling)
    await page.goto("/instances/new")
    await page.fill("#name", "web1")
    await page.get_by_label("private").check()
    await expect(page.locator("form[action='/instances'] code")).to_contain_text(
        "openstack server create --image cirros-fake --flavor")
    await no_violations(page, "launch form")
    await shot(page, "launch")
    await page.click("button:text('Launch')")
    await ok_flash(page, "Launching web1.")
    row = page.locator("#instance-rows tr", has_text="web1")
    await expect(row).to_contain_text("ACTIVE", timeout=WAIT_MS)
    await expect(row.locator(".ip")).to_have_count(1)
    await no_violations(page, "instances")
    await shot(page, "instances")

    # its detail: the console log, the action timeline, a volume attached
    # by its link's address: the rows are swapped by htmx's polling under a click
    detail = await row.get_by_role("link", name="web1").get_attribute("href")
    await page.goto(detail)
    await expect(page.get_by_role("heading", name="web1", exact=True)).to_be_visible()
    await expect(page.locator(".timeline")).to_contain_text("create")
    await page.click("text=Show the console log")
    await expect(page.locator("#console-log pre.log")).to_be_visible()
    await page.select_option("#attach-volume", label="data (1 GiB)")
    await page.click("button:text('Attach')")
    await ok_flash(page, "Attaching the volume.")
    await page.goto("/volumes")
    await reload_until(page, page.locator("table.list"), "in-use")
    await expect(page.locator("table.list")).to_contain_text("web1")
    await page.goto(detail)
    await no_violations(page, "instance detail")
    await shot(page, "instance")

    # a floating IP on it
    await page.goto("/floating-ips")
    await page.get_by_role("button", name="Allocate").click()
    await ok_flash(page, "Floating IP allocated.")
    fip_row = page.locator("table.list tbody tr").first
    await fip_row.locator("select").select_option(label=await _option(fip_row, "web1"))
    await fip_row.get_by_role("button", name="Associate").click()
    await ok_flash(page, "Floating IP associated.")
    await expect(page.locator("table.list")).to_contain_text("web1")
    await no_violations(page, "floating IPs")

    await page.goto("/")
    await expect(page.locator(".bar-row").first).to_be_visible()
    await no_violations(page, "overview")
    await shot(page, "overview")

    # delete it all
    await page.goto("/floating-ips")
    await page.locator("table.list").get_by_role("button", name="Release").first.click()
    await ok_flash(page, "Floating IP released.")
    await page.goto("/volumes")
    await page.locator("table.list").get_by_role("button", name="Detach").click()
    await ok_flash(page, "Detaching the volume.")
    await reload_until(page, page.locator("table.list"), "available")
    await page.get_by_role("button", name="Delete volume data").click()
    await ok_flash(page, "Deleting the volume.")
    await reload_until(page, page.locator("table.list"), "No volumes.")
    await page.goto(detail)
    await page.get_by_role("button", name="Delete", exact=True).click()
    await ok_flash(page, "Deleting the instance.")
    await expect(page.locator("#instance-rows")).to_contain_text("No instances",
                                                                 timeout=WAIT_MS)
    await page.goto("/networks")
    await page.get_by_role("button", name="Delete subnet 10.9.0.0/24").click()
    await ok_flash(page, "Subnet deleted.")
    await page.get_by_role("button", name="Delete network web-net").click()
    await ok_flash(page, "Network deleted.")
    await expect(page.locator("table.list")).not_to_contain_text("web-net")

    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("button", name="Log in")).to_be_visible()
    await page.goto("/instances")
    await expect(page).to_have_url(cloud.url + "/login")


async def _option(row: Any, text: str) -> str:
    labels = await row.locator("select option").all_inner_texts()
    return next(x for x in labels if text in x)


async def test_admin_hypervisors_and_a_member_refused(cloud: Cloud, page: Any) -> None:
    await login(page, "admin", "admin-secret")
    await page.goto("/admin/hypervisors")
    card = page.locator("section.card").first
    await expect(card.locator("[role=progressbar]")).to_have_count(3)
    # the fake host's capacity, as its driver reports it
    await expect(card.locator(".bar-row", has_text="vCPUs")).to_contain_text(
        f"/ {FakeDriver.vcpus}")
    await expect(card.locator(".bar-row", has_text="RAM")).to_contain_text(
        f"/ {FakeDriver.memory_mb} MiB")
    assert int(await card.locator(".fits").inner_text()) > 0
    await no_violations(page, "hypervisors")
    await shot(page, "hypervisors")
    await page.goto("/admin/services")
    await expect(page.locator("table.list")).to_contain_text("UP")
    await no_violations(page, "services")
    await page.get_by_role("button", name="Log out").click()

    await login(page, "demo", cloud.demo_password)
    await expect(page.get_by_role("link", name="Hypervisors")).to_have_count(0)
    response = await page.goto("/admin/hypervisors")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    await no_violations(page, "403 page")
