#!/usr/bin/env python3
"""A downstream consumer that is not written in Swift: reads Commerce's Kafka topics with
confluent-kafka, parses every message with the CloudEvents SDK (Kafka binary binding), and
validates its data against the JSON Schema its `dataschema` attribute names.

usage: cloudevents_consumer.py --brokers HOST:PORT --topics t1,t2 --schemas DIR --expect N

Prints one line per failure and a closing 'N passed, N failed' line; exits 1 on any failure or
when fewer than N messages arrive within --timeout seconds."""
import argparse
import json
import pathlib
import sys
import time
import uuid

from cloudevents.kafka import KafkaMessage, from_binary
from confluent_kafka import Consumer
from jsonschema import Draft202012Validator, FormatChecker


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topics", required=True)
    parser.add_argument("--schemas", required=True)
    parser.add_argument("--expect", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    schemas = {path.name: Draft202012Validator(json.loads(path.read_text()), format_checker=FormatChecker())
               for path in pathlib.Path(args.schemas).glob("*.json")}
    consumer = Consumer({
        "bootstrap.servers": args.brokers, "group.id": f"python-check-{uuid.uuid4()}",
        "auto.offset.reset": "earliest", "enable.auto.commit": False,
        "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
    })
    consumer.subscribe(args.topics.split(","))

    passed, failures, seen = 0, [], 0
    deadline = time.monotonic() + args.timeout
    while seen < args.expect and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        seen += 1
        where = f"{message.topic()}[{message.partition()}]@{message.offset()}"
        try:
            headers = {name: value for name, value in (message.headers() or [])}
            event = from_binary(KafkaMessage(headers=headers, key=message.key(), value=message.value()),
                                data_unmarshaller=lambda body: json.loads(body))
        except Exception as error:  # noqa: BLE001 - any parse failure is a finding
            failures.append(f"{where}: not a CloudEvent: {error}")
            continue
        problems = []
        if event["specversion"] != "1.0":
            problems.append(f"specversion {event['specversion']}")
        if message.key() is None or message.key().decode() != event.get("subject"):
            problems.append("key is not the subject (stream)")
        if not message.topic().endswith("." + event.get("subject", "").split("-", 1)[0]):
            problems.append("topic does not match the stream's category")
        schema_name = str(event.get("dataschema", "")).rsplit("/", 1)[-1]
        validator = schemas.get(schema_name)
        if validator is None:
            problems.append(f"no schema {schema_name!r} for type {event['type']}")
        else:
            problems += [f"data: {error.message}" for error in validator.iter_errors(event.data)]
        if problems:
            failures.append(f"{where} {event['type']}: {'; '.join(problems)}")
        else:
            passed += 1
    consumer.close()
    if seen < args.expect:
        failures.append(f"only {seen} of {args.expect} messages arrived within {args.timeout} s")
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"cloudevents consumer: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
