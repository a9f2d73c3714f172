"""`python -m bibun` is the `bibun` command."""
import sys

from .cli import main

sys.exit(main())
