"""``python -m batik_waves`` runs the command line."""

from .cli import main

raise SystemExit(main())
