"""bench/'s modules import one another by bare name (run.py puts its folder on sys.path by being run from it);
the bench's own tests import them the same way."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
