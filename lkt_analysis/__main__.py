"""``python -m lkt_analysis`` is ``lkt``: for a PC where programs in the user's folders may not run."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
