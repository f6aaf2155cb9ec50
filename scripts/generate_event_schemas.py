#!/usr/bin/env python3
"""Writes schemas/events/<Type>.v<N>.json, one JSON Schema (draft 2020-12) per event type and
version, from the compact field lists below. Run it after changing an event payload in
Sources/Aggregates; the test command checks every Swift-encoded sample against these files."""
import json
import pathlib

ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}
DEFS = {
    "id": ID,
    "money": {
        "type": "object", "additionalProperties": False, "required": ["amount", "currency"],
        "properties": {
            "amount": {"type": "integer", "description": "minor units (cents), no fractions"},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217"},
        },
    },
    "levels": {
        "type": "object", "additionalProperties": False, "required": ["onHand", "reserved", "available"],
        "properties": {"onHand": {"type": "integer", "minimum": 0}, "reserved": {"type": "integer", "minimum": 0}, "available": {"type": "integer"}},
    },
    "address": {
        "type": "object", "additionalProperties": False, "required": ["name", "line1", "city", "postalCode", "country"],
        "description": "name, line1, line2, city and postalCode are personal data: stored sealed, each as"
                       " enc:v1:<subject>:<base64url AES-256-GCM nonce|ciphertext|tag> under the data subject's key"
                       " (erased with it); country stays in clear.",
        "properties": {
            "name": {"type": "string", "minLength": 1}, "line1": {"type": "string", "minLength": 1}, "line2": {"type": "string"},
            "city": {"type": "string", "minLength": 1}, "postalCode": {"type": "string", "minLength": 1},
            "country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"},
        },
    },
    "line": {
        "type": "object", "additionalProperties": False, "required": ["sku", "productId", "name", "quantity", "unitPrice", "taxCategory"],
        "properties": {
            "sku": {"$ref": "#/$defs/id"}, "productId": {"$ref": "#/$defs/id"}, "name": {"type": "string", "minLength": 1},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 999}, "unitPrice": {"$ref": "#/$defs/money"},
            "taxCategory": {"type": "string", "minLength": 1},
        },
    },
    "returnLine": {
        "type": "object", "additionalProperties": False, "required": ["sku", "quantity", "disposition"],
        "properties": {"sku": {"$ref": "#/$defs/id"}, "quantity": {"type": "integer", "minimum": 1}, "disposition": {"enum": ["restock", "writeOff"]}},
    },
    "operation": {
        "type": "object", "additionalProperties": False, "required": ["operationId", "kind", "amount", "reason"],
        "properties": {
            "operationId": {"type": "string", "minLength": 1, "maxLength": 100, "description": "the gateway's idempotency key"},
            "kind": {"enum": ["capture", "void", "refund"]}, "amount": {"$ref": "#/$defs/money"}, "reason": {"type": "string", "minLength": 1},
        },
    },
    "lineQuantity": {
        "type": "object", "additionalProperties": False, "required": ["sku", "quantity"],
        "properties": {"sku": {"$ref": "#/$defs/id"}, "quantity": {"type": "integer", "minimum": 1}},
    },
    "owner": {
        "type": "object", "additionalProperties": False, "required": ["kind", "id"],
        "properties": {"kind": {"enum": ["customer", "guest"]}, "id": {"type": "string", "minLength": 1}},
    },
    "totals": {
        "type": "object", "additionalProperties": False, "required": ["subtotal", "shipping", "tax", "total"],
        "properties": {k: {"$ref": "#/$defs/money"} for k in ["subtotal", "shipping", "tax", "total"]},
    },
    "totalsV2": {
        "type": "object", "additionalProperties": False, "required": ["subtotal", "discount", "shipping", "tax", "total"],
        "description": "total = subtotal - discount + shipping + tax; tax is charged on the discounted line amounts",
        "properties": {k: {"$ref": "#/$defs/money"} for k in ["subtotal", "discount", "shipping", "tax", "total"]},
    },
    "couponCode": {"type": "string", "pattern": "^[A-Z0-9-]{3,32}$", "description": "normalised to upper case"},
    "appliedDiscount": {
        "type": "object", "additionalProperties": False, "required": ["promotionId", "name", "amount", "lines", "shipping"],
        "description": "what one promotion took off: amount = sum of the line amounts + shipping",
        "properties": {
            "promotionId": {"$ref": "#/$defs/id"}, "name": {"type": "string", "minLength": 1}, "code": {"$ref": "#/$defs/couponCode"},
            "amount": {"$ref": "#/$defs/money"}, "shipping": {"$ref": "#/$defs/money"},
            "lines": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["sku", "amount"],
                "properties": {"sku": {"$ref": "#/$defs/id"}, "amount": {"$ref": "#/$defs/money"}}}},
        },
    },
    "linePrice": {
        "type": "object", "additionalProperties": False, "required": ["sku", "subtotal", "discount", "tax", "total"],
        "description": "one line's money: total = subtotal - discount + tax",
        "properties": {"sku": {"$ref": "#/$defs/id"}, **{k: {"$ref": "#/$defs/money"} for k in ["subtotal", "discount", "tax", "total"]}},
    },
    "lineFilter": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "categoryPrefix": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "maxItems": 10},
            "skus": {"type": "array", "items": {"$ref": "#/$defs/id"}}, "productIds": {"type": "array", "items": {"$ref": "#/$defs/id"}},
        },
    },
    "promotionRules": {
        "type": "object", "additionalProperties": False, "required": ["kind", "target", "segment"],
        "properties": {
            "kind": {"enum": ["percentageOff", "amountOff", "freeShipping", "buyXGetY"]},
            "target": {"enum": ["order", "lines", "shipping"]},
            "basisPoints": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "1 bp = 0.01 %"},
            "amounts": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}, "description": "currency code -> minor units"},
            "buyQuantity": {"type": "integer", "minimum": 1}, "getQuantity": {"type": "integer", "minimum": 1},
            "lineFilter": {"$ref": "#/$defs/lineFilter"},
            "minimumSubtotal": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
            "minimumQuantity": {"type": "integer", "minimum": 1},
            "currencies": {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{3}$"}},
            "segment": {"enum": ["everyone", "signedIn", "firstOrder", "listedCustomers"]},
            "customerIds": {"type": "array", "items": {"$ref": "#/$defs/id"}},
        },
    },
    "promotionDefinition": {
        "type": "object", "additionalProperties": False,
        "required": ["name", "rules", "automatic", "priority", "stopsLaterPromotions", "combinesWithOtherCodes"],
        "properties": {
            "name": {"type": "string", "minLength": 1}, "description": {"type": "string"}, "rules": {"$ref": "#/$defs/promotionRules"},
            "automatic": {"type": "boolean"}, "priority": {"type": "integer", "minimum": 0},
            "stopsLaterPromotions": {"type": "boolean"}, "combinesWithOtherCodes": {"type": "boolean"},
            "validFrom": {"type": "string", "format": "date-time"}, "validUntil": {"type": "string", "format": "date-time"},
            "usageLimit": {"type": "integer", "minimum": 1}, "perCustomerLimit": {"type": "integer", "minimum": 1},
        },
    },
}

def ref(name): return {"$ref": f"#/$defs/{name}"}
ref_id, money, levels = ref("id"), ref("money"), ref("levels")
text = {"type": "string", "minLength": 1}
any_text = {"type": "string"}
count = {"type": "integer", "minimum": 1}
time = {"type": "string", "format": "date-time"}
rating = {"type": "integer", "minimum": 1, "maximum": 5}
review_title = {"type": "string", "maxLength": 120, "description": "NFC-normalised, one line"}
review_body = {"type": "string", "maxLength": 5000, "description": "NFC-normalised"}
review_status = {"enum": ["pending", "approved", "rejected", "deleted"]}
review_flags = {"type": "array", "items": {"enum": ["language", "link", "repetition", "shouting"]}}
list_name = {"type": "string", "minLength": 1, "maxLength": 60}
share_token = {"type": "string", "minLength": 16, "maxLength": 64}
currency_code = {"type": "string", "pattern": "^[A-Z]{3}$"}
specification_key = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]{0,49}$"}
specification_kind = {"enum": ["text", "number", "option"]}
specification = {"type": "object", "additionalProperties": False, "required": ["key", "label", "kind", "value"],
                 "properties": {"key": specification_key, "label": {"type": "string", "minLength": 1}, "kind": specification_kind,
                                "value": {"type": "string"}, "unit": {"type": "string", "minLength": 1}}}
specification_definition = {"type": "object", "additionalProperties": False, "required": ["key", "label", "kind"],
                            "properties": {"key": specification_key, "label": {"type": "string", "minLength": 1}, "kind": specification_kind,
                                           "unit": {"type": "string", "minLength": 1},
                                           "options": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string", "minLength": 1}}}}
category_slug = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100}
category_name = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^/]*$"}
localized_names = {"type": "object", "maxProperties": 30, "propertyNames": {"pattern": "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$"},
                   "additionalProperties": category_name}

# (type, version, category, description, required fields, optional fields)
EVENTS = [
    ("ProductCreated", 1, "product", "A product was created (v1: one category string, upcast to v2 on read).",
     {"productId": ref_id, "name": text, "description": any_text, "category": any_text}, {}),
    ("ProductCreated", 2, "product", "A product was created, with its category path.",
     {"productId": ref_id, "name": text, "description": any_text, "categoryPath": {"type": "array", "items": text, "maxItems": 10}}, {}),
    ("ProductCreated", 3, "product", "A product was created, with its category path and optionally its brand.",
     {"productId": ref_id, "name": text, "description": any_text, "categoryPath": {"type": "array", "items": text, "maxItems": 10}},
     {"brand": {"type": "string", "minLength": 1, "maxLength": 100}}),
    ("ProductDetailsChanged", 1, "product", "A product's name, description, category path or brand changed: every detail as it now stands (no brand: none).",
     {"productId": ref_id, "name": text, "description": any_text, "categoryPath": {"type": "array", "items": text, "maxItems": 10}},
     {"brand": {"type": "string", "minLength": 1, "maxLength": 100}}),
    ("ProductCreated", 4, "product", "A product was created, with its category path, optionally its brand and the category of the tree it is in (whose path categoryPath is as it stood then).",
     {"productId": ref_id, "name": text, "description": any_text, "categoryPath": {"type": "array", "items": text, "maxItems": 10}},
     {"brand": {"type": "string", "minLength": 1, "maxLength": 100}, "categoryId": ref_id}),
    ("ProductDetailsChanged", 2, "product", "A product's details changed: every detail as it now stands (no brand: none; no categoryId: a free path in no category of the tree).",
     {"productId": ref_id, "name": text, "description": any_text, "categoryPath": {"type": "array", "items": text, "maxItems": 10}},
     {"brand": {"type": "string", "minLength": 1, "maxLength": 100}, "categoryId": ref_id}),
    ("ProductTranslated", 1, "product", "A product's name and description in another language than the shop's default, as they now stand in it.",
     {"productId": ref_id, "locale": {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$"}, "name": text, "description": any_text}, {}),
    ("ProductTranslationRemoved", 1, "product", "The product no longer has a text in locale: readers of it get the default one.",
     {"productId": ref_id, "locale": {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$"}}, {}),
    ("ProductSpecificationsSet", 1, "product", "The product's specifications as they now stand, as a whole, each with its label, kind and unit from its definition at the time.",
     {"productId": ref_id, "specifications": {"type": "array", "maxItems": 50, "items": specification}}, {}),
    ("ProductSEOChanged", 1, "product", "The product page's search-engine fields as they now stand (each absent: none).",
     {"productId": ref_id, "seo": {"type": "object", "additionalProperties": False, "properties": {
         "title": {"type": "string", "minLength": 1}, "metaDescription": {"type": "string", "minLength": 1},
         "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100}}}}, {}),
    ("ProductVariantAdded", 1, "product", "A variant (one SKU) was added to a product.",
     {"productId": ref_id, "sku": ref_id, "attributes": {"type": "object", "additionalProperties": {"type": "string"}}}, {}),
    ("ProductVariantChanged", 1, "product", "A variant's attributes were replaced as a whole.",
     {"productId": ref_id, "sku": ref_id, "attributes": {"type": "object", "additionalProperties": {"type": "string"}}}, {}),
    ("ProductImageAdded", 1, "product", "An image was added after the product's others (of the product, or of one variant when sku is set).",
     {"productId": ref_id, "image": {"type": "object", "additionalProperties": False, "required": ["imageId", "contentType", "bytes", "alt"],
               "properties": {"imageId": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "the file's SHA-256"},
                              "contentType": {"enum": ["image/jpeg", "image/png", "image/webp"]}, "bytes": {"type": "integer", "minimum": 1},
                              "alt": {"type": "string", "maxLength": 300}, "sku": ref_id}}}, {}),
    ("ProductImageRemoved", 1, "product", "An image was taken off the product.", {"productId": ref_id, "imageId": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}, {}),
    ("ProductImagesReordered", 1, "product", "The product's images in a new order: every image, each once.",
     {"productId": ref_id, "imageIds": {"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}, {}),
    ("ProductPriceSet", 1, "product", "A variant's price in one currency was set or changed.",
     {"productId": ref_id, "sku": ref_id, "price": money}, {"previousPrice": money}),
    ("ProductPublished", 1, "product", "The product is visible in the catalog.", {"productId": ref_id}, {}),
    ("ProductUnpublished", 1, "product", "The product was taken out of the catalog.", {"productId": ref_id}, {}),
    ("ProductDiscontinued", 1, "product", "The product is discontinued for good.", {"productId": ref_id}, {}),
    ("StockReceived", 1, "inventory", "Stock arrived.", {"sku": ref_id, "quantity": count, "levels": levels}, {}),
    ("StockAdjusted", 1, "inventory", "Stock was corrected, with a reason.",
     {"sku": ref_id, "delta": {"type": "integer", "not": {"const": 0}}, "reason": {"enum": ["damaged", "lost", "found", "recount", "returned"]}, "levels": levels},
     {"note": any_text}),
    ("StockReserved", 1, "inventory", "Stock was reserved for an order until it expires.",
     {"sku": ref_id, "orderId": ref_id, "quantity": count, "expiresAt": time, "backordered": {"type": "boolean"}, "levels": levels}, {}),
    ("StockReservationReleased", 1, "inventory", "A reservation was given back.",
     {"sku": ref_id, "orderId": ref_id, "quantity": count, "reason": {"enum": ["cancelled", "expired", "paymentDeclined", "changed"]}, "levels": levels}, {}),
    ("StockReservationCommitted", 1, "inventory", "Reserved stock left with a fulfilment.",
     {"sku": ref_id, "orderId": ref_id, "quantity": count, "levels": levels}, {}),
    ("LowStockThresholdSet", 1, "inventory", "The low-stock threshold was set.", {"sku": ref_id, "threshold": {"type": "integer", "minimum": 0}}, {}),
    ("LowStockThresholdCrossed", 1, "inventory", "Available stock fell below the threshold.",
     {"sku": ref_id, "threshold": {"type": "integer", "minimum": 0}, "available": {"type": "integer"}}, {}),
    ("BackorderPolicyChanged", 1, "inventory", "Backorder was allowed or disallowed.", {"sku": ref_id, "allowed": {"type": "boolean"}}, {}),
    ("CartCreated", 1, "cart", "A cart was created.", {"cartId": ref_id, "owner": ref("owner"), "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}, {}),
    ("CartItemAdded", 1, "cart", "An item was added; the line as it now is.", {"cartId": ref_id, "line": ref("line"), "quantityAdded": count}, {}),
    ("CartItemQuantityChanged", 1, "cart", "A line's quantity changed.",
     {"cartId": ref_id, "sku": ref_id, "quantity": count, "previousQuantity": count}, {}),
    ("CartItemRemoved", 1, "cart", "A line was removed.", {"cartId": ref_id, "sku": ref_id}, {}),
    ("CartShippingAddressSet", 1, "cart", "The shipping address was set (v1: without its owner, read as v2 without one).",
     {"cartId": ref_id, "address": ref("address")}, {}),
    ("CartShippingAddressSet", 2, "cart", "The shipping address was set, naming the cart's owner: whose personal data it is.",
     {"cartId": ref_id, "address": ref("address")}, {"owner": ref("owner")}),
    ("CartShippingMethodSet", 1, "cart", "The shipping method and its flat rate were set.", {"cartId": ref_id, "method": text, "rate": money}, {}),
    ("CartMerged", 1, "cart", "A guest cart's lines were merged in at sign-in.",
     {"cartId": ref_id, "guestCartId": ref_id, "lines": {"type": "array", "items": ref("line")}}, {}),
    ("CartMergedIntoCustomerCart", 1, "cart", "This guest cart was merged into a customer's cart and closed.",
     {"cartId": ref_id, "customerCartId": ref_id}, {}),
    ("CartCheckedOut", 1, "cart", "The cart was checked out for an order.",
     {"cartId": ref_id, "orderId": ref_id, "owner": ref("owner"), "lines": {"type": "array", "items": ref("line"), "minItems": 1},
      "shippingAddress": ref("address"), "shippingMethod": text, "totals": ref("totals")}, {}),
    ("CartCheckedOut", 2, "cart", "The cart was checked out for an order, with the promotions' discounts and each line's money after them.",
     {"cartId": ref_id, "orderId": ref_id, "owner": ref("owner"), "lines": {"type": "array", "items": ref("line"), "minItems": 1},
      "shippingAddress": ref("address"), "shippingMethod": text, "totals": ref("totalsV2"),
      "discounts": {"type": "array", "items": ref("appliedDiscount")}},
     {"linePrices": {"type": "array", "items": ref("linePrice")}}),
    ("CartAbandoned", 1, "cart", "The cart was closed after inactivity.", {"cartId": ref_id, "lastActivityAt": time}, {}),
    ("CartCouponApplied", 1, "cart", "A coupon code was added to the cart.", {"cartId": ref_id, "code": ref("couponCode")}, {}),
    ("CartCouponRemoved", 1, "cart", "A coupon code was removed from the cart.", {"cartId": ref_id, "code": ref("couponCode")}, {}),
    ("OrderPlaced", 1, "order", "An order was placed from a checked-out cart.",
     {"orderId": ref_id, "cartId": ref_id, "customer": ref("owner"), "lines": {"type": "array", "items": ref("line"), "minItems": 1},
      "shippingAddress": ref("address"), "shippingMethod": text, "totals": ref("totals")}, {}),
    ("OrderPlaced", 2, "order", "An order was placed from a checked-out cart, with the promotions' discounts and each line's money after them.",
     {"orderId": ref_id, "cartId": ref_id, "customer": ref("owner"), "lines": {"type": "array", "items": ref("line"), "minItems": 1},
      "shippingAddress": ref("address"), "shippingMethod": text, "totals": ref("totalsV2"),
      "discounts": {"type": "array", "items": ref("appliedDiscount")}},
     {"linePrices": {"type": "array", "items": ref("linePrice")}}),
    ("OrderPaymentAuthorized", 1, "order", "The order's payment was authorized.", {"orderId": ref_id, "paymentId": ref_id, "amount": money}, {}),
    ("OrderPaid", 1, "order", "The order was paid in full.", {"orderId": ref_id, "paymentId": ref_id, "amount": money}, {}),
    ("OrderFulfilmentRecorded", 1, "order", "Lines were fulfilled (picked and packed).",
     {"orderId": ref_id, "lines": {"type": "array", "items": ref("lineQuantity"), "minItems": 1}, "complete": {"type": "boolean"}}, {}),
    ("OrderShipped", 1, "order", "The order left with a carrier.", {"orderId": ref_id, "carrier": text, "trackingNumber": text}, {}),
    ("OrderDelivered", 1, "order", "The order was delivered.", {"orderId": ref_id}, {}),
    ("OrderCancelled", 1, "order", "The order was cancelled.", {"orderId": ref_id, "reason": text, "refundDue": money}, {}),
    ("OrderCancelled", 2, "order", "The order was cancelled, by whom or what.",
     {"orderId": ref_id, "reason": text, "cause": {"enum": ["customer", "admin", "paymentDeclined", "expired"]}, "refundDue": money}, {}),
    ("OrderReturnRecorded", 1, "order", "Items came back.",
     {"orderId": ref_id, "lines": {"type": "array", "items": ref("lineQuantity"), "minItems": 1}, "reason": text}, {}),
    ("OrderReturnRecorded", 2, "order", "Items came back: each line restocked or written off, with the refund decided for them.",
     {"orderId": ref_id, "lines": {"type": "array", "items": ref("returnLine"), "minItems": 1}, "reason": text}, {"refund": money}),
    ("OrderRefunded", 1, "order", "Money was refunded (in part or in full).",
     {"orderId": ref_id, "amount": money, "reason": text, "refundedTotal": money}, {}),
    ("PaymentInitiated", 1, "payment", "A payment was started.", {"paymentId": ref_id, "orderId": ref_id, "amount": money, "method": text}, {}),
    ("PaymentAuthorized", 1, "payment", "The gateway authorized the payment.",
     {"paymentId": ref_id, "orderId": ref_id, "amount": money, "gatewayReference": text}, {}),
    ("PaymentDeclined", 1, "payment", "The gateway declined the payment.",
     {"paymentId": ref_id, "orderId": ref_id, "reason": text, "gatewayReference": text}, {}),
    ("PaymentCaptured", 1, "payment", "Money was captured (in part or in full).",
     {"paymentId": ref_id, "orderId": ref_id, "amount": money, "capturedTotal": money, "gatewayReference": text}, {}),
    ("PaymentCaptured", 2, "payment", "Money was captured (in part or in full), completing a requested operation or as the gateway reported.",
     {"paymentId": ref_id, "orderId": ref_id, "amount": money, "capturedTotal": money, "gatewayReference": text}, {"operationId": text}),
    ("PaymentVoided", 1, "payment", "An uncaptured authorization was voided.", {"paymentId": ref_id, "orderId": ref_id, "reason": text}, {}),
    ("PaymentVoided", 2, "payment", "An uncaptured authorization was voided at the gateway.",
     {"paymentId": ref_id, "orderId": ref_id, "reason": text}, {"operationId": text, "gatewayReference": text}),
    ("PaymentRefunded", 1, "payment", "Captured money was refunded (in part or in full).",
     {"paymentId": ref_id, "orderId": ref_id, "amount": money, "refundedTotal": money, "gatewayReference": text}, {}),
    ("PaymentRefunded", 2, "payment", "Captured money was refunded (in part or in full), completing a requested operation or as the gateway reported.",
     {"paymentId": ref_id, "orderId": ref_id, "amount": money, "refundedTotal": money, "gatewayReference": text}, {"operationId": text}),
    ("PaymentOperationRequested", 1, "payment", "A capture, void or refund was decided; the gateway is called next with its operation id.",
     {"paymentId": ref_id, "orderId": ref_id, "operation": ref("operation")}, {}),
    ("PromotionCreated", 1, "promotion", "A promotion was created (as a draft).", {"promotionId": ref_id, "definition": ref("promotionDefinition")}, {}),
    ("PromotionChanged", 1, "promotion", "A promotion's definition was replaced.", {"promotionId": ref_id, "definition": ref("promotionDefinition")}, {}),
    ("PromotionActivated", 1, "promotion", "A promotion runs (inside its validity window).", {"promotionId": ref_id}, {}),
    ("PromotionDeactivated", 1, "promotion", "A promotion was paused.", {"promotionId": ref_id}, {}),
    ("PromotionArchived", 1, "promotion", "A promotion was retired for good.", {"promotionId": ref_id}, {}),
    ("PromotionRedeemed", 1, "promotion", "An order took a use of a limited promotion.", {"promotionId": ref_id, "orderId": ref_id}, {"customerId": ref_id}),
    ("PromotionRedemptionReleased", 1, "promotion", "A cancelled order gave its use of the promotion back.", {"promotionId": ref_id, "orderId": ref_id}, {}),
    ("CouponIssued", 1, "coupon", "A coupon code was issued for a promotion.",
     {"code": ref("couponCode"), "promotionId": ref_id}, {"usageLimit": count, "perCustomerLimit": count}),
    ("CouponDisabled", 1, "coupon", "A coupon code was withdrawn.", {"code": ref("couponCode")}, {}),
    ("CouponRedeemed", 1, "coupon", "An order took a use of a limited coupon code.", {"code": ref("couponCode"), "orderId": ref_id}, {"customerId": ref_id}),
    ("CouponRedemptionReleased", 1, "coupon", "A cancelled order gave its use of the code back.", {"code": ref("couponCode"), "orderId": ref_id}, {}),
    ("ProductViewed", 1, "activity", "A shopper looked at a product (on the shopper's activity stream).",
     {"viewer": ref("owner"), "productId": ref_id}, {"sku": ref_id}),
    ("SearchPerformed", 1, "activity", "A shopper searched or filtered the catalog; the text is sealed with the viewer's key.",
     {"viewer": ref("owner"), "query": {"type": "string", "description": "the search text, stored sealed (personal data)"},
      "category": {"type": "array", "items": {"type": "string", "minLength": 1}}, "resultCount": {"type": "integer", "minimum": 0}}, {}),
    ("SearchPerformed", 2, "activity", "A shopper searched or filtered the catalog (a first page with text or a filter); the text is sealed with the viewer's key, and counted by queryDigest, the shop's keyed digest of it normalized (lowercased, white space collapsed).",
     {"viewer": ref("owner"), "query": {"type": "string", "description": "the search text, stored sealed (personal data)"},
      "category": {"type": "array", "items": {"type": "string", "minLength": 1}}, "resultCount": {"type": "integer", "minimum": 0},
      "filters": {"type": "array", "maxItems": 50, "items": {"type": "string", "minLength": 1}}},
     {"queryDigest": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}),
    ("ReviewSubmitted", 1, "review", "A customer reviewed a product (once per product); approved at once, or pending moderation.",
     {"reviewId": ref_id, "productId": ref_id, "customerId": ref_id, "verified": {"type": "boolean"}, "rating": rating,
      "title": review_title, "body": review_body, "status": review_status, "flags": review_flags}, {"orderId": ref_id}),
    ("ReviewEdited", 1, "review", "The author changed the review; it is judged again.",
     {"reviewId": ref_id, "productId": ref_id, "rating": rating, "title": review_title, "body": review_body, "status": review_status,
      "flags": review_flags}, {}),
    ("ReviewApproved", 1, "review", "A moderator let the review show.", {"reviewId": ref_id, "productId": ref_id}, {}),
    ("ReviewRejected", 1, "review", "A moderator kept the review off the page, with a reason.",
     {"reviewId": ref_id, "productId": ref_id, "reason": {"type": "string", "minLength": 1, "maxLength": 500}}, {}),
    ("ReviewDeleted", 1, "review", "The author or an admin removed the review for good.",
     {"reviewId": ref_id, "productId": ref_id, "by": {"enum": ["author", "admin"]}}, {}),
    ("ReviewVoted", 1, "review", "A customer found the review helpful or not (replacing their earlier vote).",
     {"reviewId": ref_id, "productId": ref_id, "customerId": ref_id, "helpful": {"type": "boolean"}}, {"previous": {"type": "boolean"}}),
    ("ReviewReported", 1, "review", "A customer reported the review; the third report sends it back to moderation.",
     {"reviewId": ref_id, "productId": ref_id, "customerId": ref_id, "reason": {"type": "string", "minLength": 1, "maxLength": 500},
      "reports": count, "sentToModeration": {"type": "boolean"}}, {}),
    ("WishlistCreated", 1, "wishlist", "A wish list was made (the default one on the customer's first add).",
     {"customerId": ref_id, "wishlistId": ref_id, "name": list_name}, {}),
    ("WishlistRenamed", 1, "wishlist", "A wish list was renamed.", {"customerId": ref_id, "wishlistId": ref_id, "name": list_name}, {}),
    ("WishlistDeleted", 1, "wishlist", "A wish list other than the default one was deleted, with its items.",
     {"customerId": ref_id, "wishlistId": ref_id}, {}),
    ("WishlistItemAdded", 1, "wishlist", "A variant was put on a wish list, with its price then in the customer's currency.",
     {"customerId": ref_id, "wishlistId": ref_id, "sku": ref_id, "productId": ref_id, "addedAt": time}, {"price": money}),
    ("WishlistItemRemoved", 1, "wishlist", "A variant left a wish list: removed, or moved into a cart.",
     {"customerId": ref_id, "wishlistId": ref_id, "sku": ref_id, "productId": ref_id}, {"movedToCart": ref_id}),
    ("WishlistShared", 1, "wishlist", "The list can be read by anyone holding the token.",
     {"customerId": ref_id, "wishlistId": ref_id, "token": share_token}, {}),
    ("WishlistUnshared", 1, "wishlist", "The share link stopped working.", {"customerId": ref_id, "wishlistId": ref_id, "token": share_token}, {}),
    ("WishlistBackInStock", 1, "wishlist", "A wished variant came back in stock (available went from none to some).",
     {"customerId": ref_id, "sku": ref_id, "productId": ref_id, "available": count, "wishlistIds": {"type": "array", "items": ref_id, "minItems": 1}}, {}),
    ("WishlistPriceDropped", 1, "wishlist", "A wished variant's price in the customer's currency fell by at least the shop's threshold.",
     {"customerId": ref_id, "sku": ref_id, "productId": ref_id, "previousPrice": money, "price": money,
      "wishlistIds": {"type": "array", "items": ref_id, "minItems": 1}}, {}),
    ("CategoryCreated", 1, "category", "A category of the tree was made under parentId (none: top level) at position among its siblings.",
     {"categoryId": ref_id, "slug": category_slug, "name": category_name, "localizedNames": localized_names, "position": {"type": "integer", "minimum": 0}},
     {"parentId": ref_id}),
    ("CategoryRenamed", 1, "category", "A category's slug and names as they now stand.",
     {"categoryId": ref_id, "slug": category_slug, "name": category_name, "localizedNames": localized_names}, {}),
    ("CategoryMoved", 1, "category", "A category, with everything under it, now stands under parentId (none: top level) at position among its siblings.",
     {"categoryId": ref_id, "position": {"type": "integer", "minimum": 0}}, {"parentId": ref_id}),
    ("CategoryDeleted", 1, "category", "An empty category was removed.", {"categoryId": ref_id}, {}),
    ("ExchangeRateSet", 1, "currency", "Prices in currency are now derived from prices set in base, for variants without a price set in currency: base amount × ratePerMillion / 10^6, in currency's minor units, rounded half away from zero to a multiple of roundingIncrement.",
     {"currency": currency_code, "base": currency_code, "ratePerMillion": {"type": "integer", "minimum": 1, "maximum": 1000000000000},
      "roundingIncrement": {"type": "integer", "minimum": 1, "maximum": 100000}},
     {"previousRatePerMillion": {"type": "integer", "minimum": 1}}),
    ("SpecificationDefined", 1, "specification", "A specification products may have was defined, or redefined as a whole.",
     {"definition": specification_definition}, {}),
    ("SpecificationRemoved", 1, "specification", "A specification is no longer defined (products keep the values they have).", {"key": specification_key}, {}),
    ("ExchangeRateRemoved", 1, "currency", "Prices in currency are no longer derived.", {"currency": currency_code}, {}),
]

def schema(name, version, category, description, required, optional):
    properties = {**required, **optional}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://commerce.dev/schemas/events/{name}.v{version}.json",
        "title": f"{name} v{version}",
        "description": description,
        "x-stream-category": category,
        "type": "object",
        "additionalProperties": False,
        "required": sorted(required),
        "properties": properties,
        "$defs": DEFS,
    }

def asyncapi():
    """The AsyncAPI 3 document of the Kafka topics: one channel per category, one message per
    event type (current version), its payload the event's JSON Schema."""
    current = {}
    for name, version, category, description, _, _ in EVENTS:
        if name not in current or version > current[name][0]:
            current[name] = (version, category, description)
    channels, operations, messages = {}, {}, {}
    for category in sorted({category for _, category, _ in current.values()}):
        channel_messages = {}
        for name, (version, event_category, description) in sorted(current.items()):
            if event_category != category:
                continue
            messages[name] = {
                "name": name, "title": name, "summary": description, "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
                "payload": {"schemaFormat": "application/schema+json;version=draft-2020-12", "schema": {"$ref": f"events/{name}.v{version}.json"}},
                "bindings": {"kafka": {"key": {"type": "string", "description": "the stream name, <category>-<id>"}}},
            }
            channel_messages[name] = {"$ref": f"#/components/messages/{name}"}
        channels[category] = {
            "address": f"commerce.{category}",
            "description": f"Every event of the {category} streams, in stream order per key (at least once).",
            "messages": channel_messages,
        }
        operations[f"publish{category.capitalize()}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{category}"},
            "summary": f"The relay publishes each {category} event after it is committed to the event store.",
        }
    header = lambda description: {"type": "string", "description": description}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Commerce events", "version": "1.0.0",
                 "description": "Events published by the Commerce relay, as CloudEvents 1.0 in the Kafka binary binding."},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {"CloudEventHeaders": {
                "type": "object",
                "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time", "ce_dataschema",
                             "ce_schemaversion", "ce_streamversion", "ce_position"],
                "properties": {
                    "ce_specversion": {"const": "1.0"}, "ce_id": header("event id (uuid), the idempotency key"),
                    "ce_type": header("event type"), "ce_source": header("/commerce/<category>"),
                    "ce_subject": header("stream name"), "ce_time": header("recorded time, RFC 3339 with microseconds"),
                    "ce_dataschema": header("URL of the data's JSON Schema"), "content-type": {"const": "application/json"},
                    "ce_schemaversion": header("schema version of the data"), "ce_streamversion": header("version of the event in its stream"),
                    "ce_position": header("global position in the event store"), "ce_correlationid": header("correlation id"),
                    "ce_traceparent": header("W3C traceparent (CloudEvents distributed tracing): the correlation id as trace id, the event as span"),
                    "ce_causationid": header("causation id"), "ce_actor": header("who acted"),
                    "ce_occurredat": header("business time of the event when it carries one (UTC, ISO 8601 with milliseconds)"),
                },
            }},
        },
    }


def main():
    out = pathlib.Path(__file__).resolve().parent.parent / "schemas" / "events"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    for event in EVENTS:
        path = out / f"{event[0]}.v{event[1]}.json"
        path.write_text(json.dumps(schema(*event), indent=2) + "\n")
    # JSON is YAML: the document stays readable by YAML tools without a YAML writer here.
    (out.parent / "asyncapi.yaml").write_text(json.dumps(asyncapi(), indent=2) + "\n")
    print(f"wrote {len(EVENTS)} schemas to {out} and schemas/asyncapi.yaml")

if __name__ == "__main__":
    main()
