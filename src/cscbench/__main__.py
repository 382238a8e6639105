import sys

from cscbench.cli import main

sys.exit(main())
