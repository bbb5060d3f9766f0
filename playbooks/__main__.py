"""`python -m playbooks ...`: in a checkout, create the environment on first use, then run the
command line in it (installed with pip, run the command line at once)."""

import sys

from playbooks._bootstrap import main

main(sys.argv[1:])
