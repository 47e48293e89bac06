"""The app shell as committed: index.html preloads exactly the modules app.js reaches by static
imports (the list is written by `npm run build`; a stale list fails here)."""

import posixpath
import re

from .conftest import ROOT

PUBLIC = ROOT / "web" / "public"
IMPORT = re.compile(
    r"""^\s*(?:import|export)\s+(?:[^"';]*?\sfrom\s+)?["'](\.{1,2}/[^"']+)["']""", re.M
)


def static_graph(entry: str) -> set[str]:
    seen: set[str] = set()
    todo = [entry]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        src = (PUBLIC / url.lstrip("/")).read_text(encoding="utf-8")
        here = posixpath.dirname(url)
        todo += [posixpath.normpath(posixpath.join(here, m)) for m in IMPORT.findall(src)]
    return seen


def test_modulepreload_list_is_the_static_import_graph_of_app_js():
    html = (PUBLIC / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    assert len(listed) == len(set(listed))
    graph = static_graph("/js/app.js")
    assert "/js/edits.js" in graph and "/js/lang/zh.js" in graph
    assert set(listed) == graph, "run `npm run build` in web/ to rewrite the list"
