"""Checks the logs the test suite wrote (COMMERCE_TEST_LOG_FILE): every line is one JSON
object with time, level, logger and message, and none holds a secret — an access or refresh
token, a bearer credential, a password, a guest token or a card number.

    check_logs.py FILE [--min-lines N]   exit 1, naming the lines, when a check fails

The secrets are recognised by their shape, not by a list of the tests' values: a JWT
(`eyJ….eyJ….…`), `Bearer <token>`, a field named like a secret whose value is not
`[redacted]`, `password`/`token` followed by a value inside a message, and 13 to 19 digits that
pass the Luhn check (a card number).
"""
import json
import re
import sys

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
BEARER = re.compile(r"Bearer\s+[A-Za-z0-9._~+/-]{8,}")
DIGITS = re.compile(r"(?<![0-9A-Za-z._-])[0-9](?:[ -]?[0-9]){12,18}(?![0-9A-Za-z_-])")
IN_MESSAGE = re.compile(r"(?i)\b(password|passwd|refresh_?token|access_?token|guest-?token)\b\s*[:=]\s*(?!\[redacted\])\S{4,}")
SECRET_KEY = re.compile(r"(?i)password|token|secret|authorization|cookie|card")
# A span's W3C ids are random hex; one in a few thousand span ids is all digits, and a tenth of
# those pass the Luhn check. They are ids by their field and shape, never a card number.
W3C_ID_FIELDS = {"trace_id", "span_id", "parent_span_id"}
W3C_ID = re.compile(r"[0-9a-f]{16}|[0-9a-f]{32}")


def luhn(digits):
    total = 0
    for index, digit in enumerate(reversed(digits)):
        value = int(digit)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def problems(line):
    """What is wrong with one line of the log; empty when nothing is."""
    try:
        entry = json.loads(line)
    except ValueError:
        return ["not JSON"]
    if not isinstance(entry, dict):
        return ["not a JSON object"]
    found = [f"no {key}" for key in ("time", "level", "logger", "message") if key not in entry]
    for key, value in entry.items():
        if SECRET_KEY.search(key) and value != "[redacted]":
            found.append(f"field {key} is not redacted")
    # Each value on a line of its own: digits of neighbouring fields never join into one number.
    text = "\n".join(
        str(value) for key, value in entry.items() if not (key in W3C_ID_FIELDS and W3C_ID.fullmatch(str(value)))
    )
    if JWT.search(text):
        found.append("a JWT")
    if BEARER.search(text):
        found.append("a bearer credential")
    if IN_MESSAGE.search(text):
        found.append("a password or token in the text")
    for match in DIGITS.finditer(text):
        digits = re.sub(r"[ -]", "", match.group(0))
        if 13 <= len(digits) <= 19 and luhn(digits):
            found.append(f"a card number ({digits[:4]}…)")
    return found


def main():
    path = sys.argv[1]
    minimum = int(sys.argv[sys.argv.index("--min-lines") + 1]) if "--min-lines" in sys.argv else 1
    failures = 0
    count = 0
    with open(path, encoding="utf-8", errors="replace") as log:
        for number, line in enumerate(log, start=1):
            if not line.strip():
                continue
            count += 1
            found = problems(line)
            if found:
                failures += 1
                if failures <= 20:
                    print(f"{path}:{number}: {', '.join(found)}: {line.strip()[:300]}", file=sys.stderr)
    if count < minimum:
        print(f"{path}: {count} lines, fewer than {minimum}: the suite's logs were not captured", file=sys.stderr)
        sys.exit(1)
    if failures:
        print(f"{failures} of {count} log lines failed the checks", file=sys.stderr)
        sys.exit(1)
    print(f"logs: {count} JSON lines, no token, password or card number")


if __name__ == "__main__":
    main()
