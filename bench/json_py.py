#!/usr/bin/env python3
"""The Python reference for the JSON benchmark: parse stdin, pretty-print it."""
import json
import sys

sys.stdout.write(json.dumps(json.loads(sys.stdin.buffer.read().decode("utf-8")), indent=2,
                            ensure_ascii=False) + "\n")
