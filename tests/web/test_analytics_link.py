"""The tablet app's top bar links each role to its analytics view (the analytics API keeps each
to its scope); the link is labelled in the app's language and opens signed in."""

import pytest

from .conftest import LANDSCAPE, login, shot

pytestmark = pytest.mark.browser


def test_police_link_opens_the_police_view(tablet):
    page = tablet(LANDSCAPE)
    login(page, "police")
    link = page.locator("#analytics-link")
    link.wait_for(state="visible")
    assert link.text_content() == "分析"
    assert link.get_attribute("href") == "/analytics.html?view=police"
    shot(page, "30-analytics-link-police")
    with page.context.expect_page() as opened:
        link.click()
    view = opened.value
    view.wait_for_selector("body[data-view=police][data-ready=true]")
    assert view.get_attribute("nav [data-view=police]", "aria-pressed") == "true"
    assert view.locator("#a-login").is_hidden()  # the app's sign-in is reused
    page.click("#lang-btn")
    assert link.text_content() == "Analytics"


@pytest.mark.parametrize(
    ("user", "view"), [("street", "street"), ("officer", "street"), ("admin", "planner")]
)
def test_each_role_links_its_view(tablet, user, view):
    page = tablet(LANDSCAPE)
    login(page, user)
    page.locator("#analytics-link").wait_for(state="visible")
    assert page.get_attribute("#analytics-link", "href") == f"/analytics.html?view={view}"
