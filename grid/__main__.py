"""``python -m grid partition ...``: the grid library's commands without the server."""

from grid.cli import main

raise SystemExit(main())
