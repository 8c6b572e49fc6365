"""`mailtriage schema [-o FILE]`: the JSON Schema of `check --json`, generated from the model.

The repository commits it as schema/report.schema.json (`mailtriage schema -o
schema/report.schema.json` rewrites it; tests/wizard/output/test_schema.py fails when stale)."""
from __future__ import annotations

import argparse
import sys

from tui.cli.options import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", help="write the schema to FILE (default: print it)")


def run(args: argparse.Namespace) -> int:
    from wizard.output.schema import schema_json

    text = schema_json()
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK
