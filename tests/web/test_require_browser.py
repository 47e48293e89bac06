"""WANGGE_REQUIRE_BROWSER=1 turns a missing Playwright or Chromium into a failure, not a skip
(CI must not go green by skipping every browser test); without it they skip."""

import sys

import pytest

from . import conftest

# WANGGE_REQUIRE_BROWSER and what a missing browser part then raises
OUTCOMES = [("1", pytest.fail.Exception), ("", pytest.skip.Exception)]


@pytest.fixture
def no_playwright(monkeypatch):  # noqa: ANN001, ANN201
    monkeypatch.setitem(sys.modules, "playwright", None)  # `import playwright` raises ImportError
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)


@pytest.mark.parametrize(("required", "outcome"), OUTCOMES)
def test_missing_playwright(no_playwright, monkeypatch, required, outcome):  # noqa: ANN001
    monkeypatch.setenv("WANGGE_REQUIRE_BROWSER", required)
    with pytest.raises(outcome, match="playwright"):
        conftest.require_browser()


@pytest.mark.parametrize(("required", "outcome"), OUTCOMES)
def test_missing_chromium(monkeypatch, tmp_path, required, outcome):  # noqa: ANN001
    pytest.importorskip("playwright.sync_api")  # this case is about Chromium alone
    monkeypatch.setenv("WANGGE_REQUIRE_BROWSER", required)
    monkeypatch.setattr(conftest, "CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(outcome, match="no-chromium"):
        conftest.require_browser()
