"""`python -m playbooks ...`: create the environment on first use, then run the command line."""

import sys

from playbooks._bootstrap import main

main(sys.argv[1:])
