"""Allow ``python -m careterm``."""

from careterm.cli import main

raise SystemExit(main())
