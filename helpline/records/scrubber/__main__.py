"""`python -m helpline.records.scrubber [FOLDER]`: build the scrubber's word lists."""

import sys

from .lookup import main

main(sys.argv[1:])
