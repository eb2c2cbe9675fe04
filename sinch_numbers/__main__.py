"""``python -m sinch_numbers``: the ``sinch-numbers`` command."""

from ._cli import main

raise SystemExit(main())
