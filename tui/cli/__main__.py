"""`python3 -m tui.cli`: the `mailtriage` command from a checkout."""
import sys

from tui.cli import main

if __name__ == "__main__":  # importing the module (the import-graph test does) runs nothing
    sys.exit(main())
