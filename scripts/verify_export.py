#!/usr/bin/env python3
"""Verifies a Commerce audit export (NDJSON, from `commerce audit export`) on its own.

Standard library only: an auditor needs neither Swift nor access to the database.

    python3 verify_export.py FILE [--anchor POSITION:ROOT_HEX] [--since EARLIER_EXPORT]

Every event's hash is recomputed as SHA-256(previous hash in its stream || canonical text),
chaining from the stream's anchor line (the link before the export's first event of that
stream). With --anchor, for an export of the whole log reaching the anchor's position, the
Merkle root over every stream's head at that position must equal the anchor's root: that
proves no stream was removed, cut short or rewritten up to there. With --since, an earlier
whole-log export (verified the same way when it was received) must be a prefix of this one:
every stream head it ends with must still be there, unchanged, which names the stream that was
removed, cut short or rewritten since. The canonical form and the tree are described in the
README ("Audit").

Exit status: 0 when everything verifies, 1 when something does not (each problem is printed),
2 for a file that is not an export.
"""

import argparse
import hashlib
import json
import sys

SEPARATOR = "\x1f"


def canonical_text(event):
    fields = [
        event["stream"],
        str(event["version"]),
        event["eventId"],
        event["type"],
        str(event["schemaVersion"]),
        event["data"],
        event["metadata"],
        event["correlationId"] or "",
        event["causationId"] or "",
        event["actor"] or "",
        str(event["recordedAtMicros"]),
    ]
    return SEPARATOR.join(fields).encode("utf-8")


def merkle_root(heads):
    """heads: {stream: (version, hash bytes)}; see Sources/EventStore/Integrity/LogAnchor.swift."""
    if not heads:
        return bytes(32)
    level = []
    for stream in sorted(heads, key=lambda name: name.encode("utf-8")):
        version, head_hash = heads[stream]
        leaf = b"\x00" + stream.encode("utf-8") + b"\x1f" + str(version).encode("ascii") + b"\x1f" + head_hash
        level.append(hashlib.sha256(leaf).digest())
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2 == 1:
            paired.append(level[-1])
        level = paired
    return level[0]


def read_heads(path):
    """The last (version, hash) of every stream of a whole-log export, and where it ends."""
    heads, header = {}, None
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["kind"] == "export":
                header = record
            elif record["kind"] == "event":
                heads[record["stream"]] = (record["version"], bytes.fromhex(record["hash"]))
    if header is None or not header.get("wholeLog"):
        raise ValueError(f"{path} is not an export of the whole log")
    return heads, header["toPosition"]


def main():
    parser = argparse.ArgumentParser(description="Verify a Commerce audit export.")
    parser.add_argument("file")
    parser.add_argument("--anchor", help="a published anchor, POSITION:ROOT_HEX")
    parser.add_argument("--since", help="an earlier whole-log export this one must extend")
    arguments = parser.parse_args()

    earlier_heads, earlier_end = {}, None
    if arguments.since:
        try:
            earlier_heads, earlier_end = read_heads(arguments.since)
        except ValueError as error:
            print(f"--since: {error}", file=sys.stderr)
            return 2

    anchor_position = anchor_root = None
    if arguments.anchor:
        try:
            position_text, root_hex = arguments.anchor.split(":")
            anchor_position, anchor_root = int(position_text), bytes.fromhex(root_hex)
        except ValueError:
            print("--anchor must be POSITION:ROOT_HEX", file=sys.stderr)
            return 2

    problems = []
    heads = {}            # stream -> (version, hash): the chain followed so far
    heads_at_anchor = {}  # stream -> (version, hash) of its last event at or below the anchor
    heads_at_earlier = {}  # likewise at the end of the earlier export
    header = end = None
    events = 0
    with open(arguments.file, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                kind = record["kind"]
            except (ValueError, KeyError, TypeError):
                print(f"line {number}: not an export record", file=sys.stderr)
                return 2
            if header is None:
                if kind != "export" or record.get("format") != "commerce-audit-export":
                    print("not a Commerce audit export: the first line is no export header", file=sys.stderr)
                    return 2
                header = record
                continue
            if end is not None:
                problems.append(f"line {number}: records after the end line")
                break
            if kind == "anchor":
                if record["stream"] in heads:
                    problems.append(f"line {number}: a second anchor for {record['stream']}")
                heads[record["stream"]] = (record["version"], bytes.fromhex(record["hash"]))
            elif kind == "event":
                events += 1
                stream, version = record["stream"], record["version"]
                place = f"{stream}@{version} (position {record['position']})"
                if stream not in heads:
                    problems.append(f"{place}: no anchor line before the stream's first event")
                    heads[stream] = (0, bytes(32))
                previous_version, previous_hash = heads[stream]
                found = bytes.fromhex(record["hash"])
                if version != previous_version + 1:
                    problems.append(f"{place}: version {version} follows {previous_version}: events are missing or out of order")
                else:
                    expected = hashlib.sha256(previous_hash + canonical_text(record)).digest()
                    if expected != found:
                        problems.append(f"{place}: the stored hash does not match the event's content and its predecessor's hash;"
                                        f" expected {expected.hex()}, found {found.hex()}")
                heads[stream] = (version, found)
                if anchor_position is not None and record["position"] <= anchor_position:
                    heads_at_anchor[stream] = (version, found)
                if earlier_end is not None and record["position"] <= earlier_end:
                    heads_at_earlier[stream] = (version, found)
            elif kind == "end":
                end = record
            else:
                problems.append(f"line {number}: unknown record kind {kind!r}")

    if header is None:
        print("the file is empty", file=sys.stderr)
        return 2
    if end is None:
        problems.append("the end line is missing: the file was cut short")
    elif end["events"] != events:
        problems.append(f"the end line counts {end['events']} events, the file holds {events}")

    if anchor_root is not None:
        if not header.get("wholeLog"):
            problems.append("--anchor needs an export of the whole log (no stream, category, start or time range)")
        elif header["toPosition"] < anchor_position:
            problems.append(f"the export ends at position {header['toPosition']}, before the anchor's {anchor_position}")
        else:
            root = merkle_root(heads_at_anchor)
            if root != anchor_root:
                problems.append(f"the stream heads at position {anchor_position} give root {root.hex()}, not the anchor's"
                                f" {anchor_root.hex()}: a stream was removed, cut short or rewritten")

    if earlier_end is not None:
        if not header.get("wholeLog") or header["toPosition"] < earlier_end:
            problems.append("--since needs an export of the whole log reaching the earlier export's end")
        else:
            for stream in sorted(set(earlier_heads) | set(heads_at_earlier)):
                before, now = earlier_heads.get(stream), heads_at_earlier.get(stream)
                if before is None:
                    problems.append(f"{stream}: stream added after the fact (at version {now[0]}, position <= {earlier_end})")
                elif now is None:
                    problems.append(f"{stream}: stream removed (it was at version {before[0]})")
                elif now[0] < before[0]:
                    problems.append(f"{stream}: stream truncated (it was at version {before[0]}, now {now[0]})")
                elif now[0] > before[0]:
                    problems.append(f"{stream}: events added after the fact (it was at version {before[0]}, now {now[0]})")
                elif now[1] != before[1]:
                    problems.append(f"{stream}: stream rewritten (version {now[0]} has another hash)")

    for problem in problems:
        print(problem)
    summary = f"{events} events in {len(heads)} streams, scope: {header.get('scope')}"
    if problems:
        print(f"NOT VERIFIED: {len(problems)} problem(s); {summary}")
        return 1
    print(f"verified: {summary}")
    if header.get("wholeLog"):
        print(f"root of the stream heads at position {header['toPosition']}: {merkle_root(heads).hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
