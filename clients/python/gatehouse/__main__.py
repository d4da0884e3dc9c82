"""``python -m gatehouse login | token | decode``."""
import sys

from .cli import main

sys.exit(main())
