"""`python -m slsguard` runs the command line."""

import sys

from slsguard.cli import main

sys.exit(main())
