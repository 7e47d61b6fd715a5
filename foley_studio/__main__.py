"""``python -m foley_studio`` runs the command line."""
import sys

from foley_studio.cli import main

sys.exit(main())
