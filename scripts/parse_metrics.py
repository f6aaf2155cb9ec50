#!/usr/bin/env python3
"""Parses Prometheus text (standard input) with prometheus-client's parser, the one Prometheus
users' tooling relies on, and prints every sample as JSON: [{"name", "labels", "value", "type"}].
Exits 1 when the text does not parse. Used by the metrics test."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
try:
    for family in text_string_to_metric_families(sys.stdin.read()):
        for sample in family.samples:
            samples.append({"name": sample.name, "labels": sample.labels, "value": sample.value, "type": family.type})
except Exception as error:  # the parser raises ValueError (and others) on malformed text
    print(f"does not parse: {error}", file=sys.stderr)
    sys.exit(1)
json.dump(samples, sys.stdout)
