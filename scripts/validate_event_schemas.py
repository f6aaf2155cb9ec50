#!/usr/bin/env python3
"""Checks the event JSON Schemas against the events the Swift code actually writes.

usage: validate_event_schemas.py SCHEMAS_DIR SAMPLES_DIR

- every schema is a valid draft 2020-12 schema;
- every sample (from `commerce events samples`) has a schema of its type and version, and validates;
- every sample becomes invalid when a required field is dropped or an unknown one added
  (so the schemas are strict enough to catch drift);
- older versions kept for upcasting validate their documented example.
Prints one line per failure and a closing 'N passed, N failed' line; exits 1 on any failure."""
import copy
import json
import pathlib
import sys

from jsonschema import Draft202012Validator, FormatChecker

EUR0 = {"amount": 0, "currency": "EUR"}
OLD_VERSION_EXAMPLES = {
    "ProductCreated.v1.json": {"productId": "tee", "name": "Tee", "description": "", "category": "Apparel/Shirts"},
    "ProductCreated.v2.json": {"productId": "tee", "name": "Tee", "description": "", "categoryPath": ["Apparel", "Shirts"]},
    "SearchPerformed.v1.json": {"viewer": {"kind": "customer", "id": "cust-42"}, "query": "enc:v1:customer-cust-42:AAAA", "category": [], "resultCount": 3},
    "ProductCreated.v3.json": {"productId": "tee", "name": "Tee", "description": "", "categoryPath": ["Apparel", "Shirts"], "brand": "Fjell"},
    "ProductDetailsChanged.v1.json": {"productId": "tee", "name": "Tee", "description": "", "categoryPath": ["Home"], "brand": "Fjell"},
    "OrderCancelled.v1.json": {"orderId": "o-1", "reason": "payment declined: card declined", "refundDue": EUR0},
    "OrderReturnRecorded.v1.json": {"orderId": "o-1", "lines": [{"sku": "S-1", "quantity": 2}], "reason": "too small"},
    "PaymentCaptured.v1.json": {"paymentId": "p-1", "orderId": "o-1", "amount": {"amount": 500, "currency": "EUR"},
                                "capturedTotal": {"amount": 500, "currency": "EUR"}, "gatewayReference": "cap_1"},
    "PaymentVoided.v1.json": {"paymentId": "p-1", "orderId": "o-1", "reason": "cancelled"},
    "CartShippingAddressSet.v1.json": {"cartId": "c-1", "address": {"name": "Ada", "line1": "1 Main St", "city": "Berlin",
                                                                     "postalCode": "10115", "country": "DE"}},
    "CartCheckedOut.v1.json": {"cartId": "c-1", "orderId": "o-1", "owner": {"kind": "customer", "id": "u-1"},
                               "lines": [{"sku": "S-1", "productId": "p-1", "name": "Tee", "quantity": 1,
                                          "unitPrice": {"amount": 2500, "currency": "EUR"}, "taxCategory": "standard"}],
                               "shippingAddress": {"name": "Ada", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115", "country": "DE"},
                               "shippingMethod": "standard",
                               "totals": {"subtotal": {"amount": 2500, "currency": "EUR"}, "shipping": {"amount": 495, "currency": "EUR"},
                                          "tax": {"amount": 475, "currency": "EUR"}, "total": {"amount": 3470, "currency": "EUR"}}},
    "OrderPlaced.v1.json": {"orderId": "o-1", "cartId": "c-1", "customer": {"kind": "customer", "id": "u-1"},
                            "lines": [{"sku": "S-1", "productId": "p-1", "name": "Tee", "quantity": 1,
                                       "unitPrice": {"amount": 2500, "currency": "EUR"}, "taxCategory": "standard"}],
                            "shippingAddress": {"name": "Ada", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115", "country": "DE"},
                            "shippingMethod": "standard",
                            "totals": {"subtotal": {"amount": 2500, "currency": "EUR"}, "shipping": {"amount": 495, "currency": "EUR"},
                                       "tax": {"amount": 475, "currency": "EUR"}, "total": {"amount": 3470, "currency": "EUR"}}},
    "PaymentRefunded.v1.json": {"paymentId": "p-1", "orderId": "o-1", "amount": {"amount": 500, "currency": "EUR"},
                                "refundedTotal": {"amount": 500, "currency": "EUR"}, "gatewayReference": "ref_1"},
}


def main():
    schemas_dir, samples_dir = (pathlib.Path(arg) for arg in sys.argv[1:3])
    passed, failures = 0, []

    def check(ok, message):
        nonlocal passed
        if ok:
            passed += 1
        else:
            failures.append(message)

    schemas = {}
    for path in sorted(schemas_dir.glob("*.json")):
        schema = json.loads(path.read_text())
        try:
            Draft202012Validator.check_schema(schema)
            schemas[path.name] = Draft202012Validator(schema, format_checker=FormatChecker())
            check(True, "")
        except Exception as error:  # noqa: BLE001 - report any schema error
            check(False, f"{path.name}: not a valid JSON Schema: {error}")

    samples = sorted(samples_dir.glob("*.json"))
    check(len(samples) > 0, f"no samples in {samples_dir}")
    for path in samples:
        validator = schemas.get(path.name)
        if validator is None:
            check(False, f"{path.name}: no schema in {schemas_dir}")
            continue
        sample = json.loads(path.read_text())
        errors = [e.message for e in validator.iter_errors(sample)]
        check(not errors, f"{path.name}: sample does not validate: {errors}")
        for field in validator.schema.get("required", []):
            broken = copy.deepcopy(sample)
            broken.pop(field, None)
            check(not validator.is_valid(broken), f"{path.name}: still valid without required '{field}'")
        extra = dict(sample, unexpectedField=1)
        check(not validator.is_valid(extra), f"{path.name}: accepts an unknown field")

    for name, example in OLD_VERSION_EXAMPLES.items():
        validator = schemas.get(name)
        check(validator is not None and validator.is_valid(example), f"{name}: example of the old version does not validate")

    # The AsyncAPI document names a schema file for every current event type, and nothing else.
    asyncapi_path = schemas_dir.parent / "asyncapi.yaml"
    if asyncapi_path.exists():
        document = json.loads(asyncapi_path.read_text())
        referenced = {message["payload"]["schema"]["$ref"].split("/")[-1] for message in document["components"]["messages"].values()}
        check(referenced == {path.name for path in samples}, f"asyncapi.yaml messages {sorted(referenced ^ {p.name for p in samples})} differ from the event types")
    else:
        check(False, "schemas/asyncapi.yaml is missing")

    sampled = {path.name for path in samples}
    for name in schemas:
        check(name in sampled or name in OLD_VERSION_EXAMPLES, f"{name}: schema of no current event type (stale?)")

    for failure in failures:
        print(f"FAIL {failure}")
    print(f"event schemas: {passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
