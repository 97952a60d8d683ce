"""Allow ``python -m careterm``."""

from careterm.cli.main import main

raise SystemExit(main())
