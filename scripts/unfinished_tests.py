"""Prints the tests a `swift test` log shows started but not ended, oldest first.

Used by scripts/test's watchdog when a pass outlives its time: the names say where to look.
Reads Swift Testing's console lines ("◇ Test X started.", "✔ Test X passed after …",
"✘ Test X failed after …", "➜ Test X skipped") and XCTest's ("Test Case 'X' started/passed/failed").
"""
import re
import sys

STARTED = re.compile(r"^◇ Test (.+) started\.$")
ENDED = re.compile(r"^[✔✘] Test (.+?)(?: with \d+ test cases?)? (?:passed|failed) after ")
SKIPPED = re.compile(r"^➜ Test (.+) skipped")
XCTEST = re.compile(r"^Test Case '(.+)' (started|passed|failed|skipped)")


def unfinished(lines):
    running = {}
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        if (match := STARTED.match(line)) and match.group(1) != "run":
            running[match.group(1)] = number
        elif match := ENDED.match(line) or SKIPPED.match(line):
            running.pop(match.group(1), None)
        elif match := XCTEST.match(line):
            if match.group(2) == "started":
                running[match.group(1)] = number
            else:
                running.pop(match.group(1), None)
    return sorted(running.items(), key=lambda item: item[1])


def main():
    with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
        names = unfinished(log)
    if not names:
        print("no test is running")
    for name, line in names:
        print(f"still running (started on log line {line}): {name}")


if __name__ == "__main__":
    main()
