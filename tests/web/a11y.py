"""Accessibility check with axe-core (pinned in web/package.json, loaded from node_modules into the
page under test): every screen must have no serious or critical violation."""

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:  # noqa: ANN001
    """Run axe-core on the page as it is now; the violations of the given impacts, each with its
    rule id, help text and the first few offending selectors (for a readable assertion)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"][:5]]}
            for v in found if v["impact"] in impacts]


def assert_accessible(page) -> None:  # noqa: ANN001
    """Fail with the list of serious/critical axe-core violations, if any."""
    bad = axe_violations(page)
    assert not bad, "axe-core: " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']} {v['nodes']}"
                                             for v in bad)
