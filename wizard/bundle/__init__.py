"""Evidence bundles: `check --bundle` writes one analysis whole (write.py); `replay` reads it
hardened and runs it again offline (replay.py)."""
