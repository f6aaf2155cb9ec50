"""The peer `commerce-bench http` measures our HTTP API against: add-to-cart and checkout written
the CRUD way in FastAPI + asyncpg, as the seeds' own Python stack would have them.

- add to cart: verify the bearer token (HS256, the same secret and claims as ours), lock the cart
  row, read the variant's price and stock, upsert the line, bump the cart's version, answer the
  cart with its lines;
- checkout: verify the token, lock the cart, take each line's stock with a guarded UPDATE,
  write the order, its lines and an authorised payment, close the cart — one transaction.

`python fastapi_cart.py setup` makes its tables (prefixed `peer_`) and the carts the bench loads;
`uvicorn fastapi_cart:app --workers 2` serves it. Settings come from the environment:
PEER_DATABASE_URL, PEER_TOKEN_SECRET (hex), PEER_TOKEN_ISSUER.
"""

import argparse
import asyncio
import os
import uuid
from contextlib import asynccontextmanager

import asyncpg
import jwt
from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

SHIPPING = 499
SCHEMA = """
DROP TABLE IF EXISTS peer_payments, peer_order_lines, peer_orders, peer_cart_lines, peer_carts, peer_stock, peer_products;
CREATE TABLE peer_products (sku text PRIMARY KEY, product_id text NOT NULL, name text NOT NULL, price bigint NOT NULL, currency text NOT NULL);
CREATE TABLE peer_stock (sku text PRIMARY KEY REFERENCES peer_products, available bigint NOT NULL CHECK (available >= 0));
CREATE TABLE peer_carts (cart_id text PRIMARY KEY, customer_id text NOT NULL, currency text NOT NULL, status text NOT NULL,
                         version bigint NOT NULL, shipping_address jsonb, shipping_method text);
CREATE TABLE peer_cart_lines (cart_id text NOT NULL REFERENCES peer_carts, sku text NOT NULL REFERENCES peer_products,
                              product_id text NOT NULL, name text NOT NULL, quantity integer NOT NULL, unit_price bigint NOT NULL,
                              PRIMARY KEY (cart_id, sku));
CREATE TABLE peer_orders (order_id text PRIMARY KEY, cart_id text NOT NULL UNIQUE, customer_id text NOT NULL, total bigint NOT NULL,
                          currency text NOT NULL, placed_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE peer_order_lines (order_id text NOT NULL REFERENCES peer_orders, sku text NOT NULL, quantity integer NOT NULL,
                               unit_price bigint NOT NULL, PRIMARY KEY (order_id, sku));
CREATE TABLE peer_payments (payment_id text PRIMARY KEY, order_id text NOT NULL REFERENCES peer_orders, amount bigint NOT NULL,
                            status text NOT NULL);
"""


async def setup(url: str, customer: str, carts: int, ready: int, skus: int) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(SCHEMA)
        await connection.executemany(
            "INSERT INTO peer_products VALUES ($1, 'bench-product', 'Bench product', 1000, 'EUR')", [(f"BENCH-{i}",) for i in range(skus)]
        )
        await connection.executemany("INSERT INTO peer_stock VALUES ($1, 1000000)", [(f"BENCH-{i}",) for i in range(skus)])
        await connection.executemany(
            "INSERT INTO peer_carts VALUES ($1, $2, 'EUR', 'open', 1, NULL, NULL)", [(f"bench-cart-{i}", customer) for i in range(carts)]
        )
        await connection.executemany(
            """INSERT INTO peer_carts VALUES ($1, $2, 'EUR', 'open', 3, '{"name":"Bench","line1":"1 Load St","city":"Berlin","postalCode":"10115","country":"DE"}', 'standard')""",
            [(f"bench-ready-{i}", customer) for i in range(ready)],
        )
        await connection.executemany(
            "INSERT INTO peer_cart_lines VALUES ($1, $2, 'bench-product', 'Bench product', 1, 1000)",
            [(f"bench-ready-{i}", f"BENCH-{i % skus}") for i in range(ready)],
        )
    finally:
        await connection.close()


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(os.environ["PEER_DATABASE_URL"], min_size=4, max_size=16)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)
SECRET = bytes.fromhex(os.environ.get("PEER_TOKEN_SECRET", ""))
ISSUER = os.environ.get("PEER_TOKEN_ISSUER", "commerce")


def customer(authorization: str = Header(default="")) -> str:
    if not authorization.startswith("Bearer "):
        raise HTTPException(401, "sign in")
    try:
        claims = jwt.decode(authorization[7:], SECRET, algorithms=["HS256"], issuer=ISSUER)
    except jwt.PyJWTError:
        raise HTTPException(401, "invalid token")
    return claims["sub"]


class LineIn(BaseModel):
    productId: str = Field(min_length=1, max_length=100)
    sku: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=1000)


class CheckoutIn(BaseModel):
    cardNumber: str = Field(min_length=12, max_length=19)


async def locked_cart(connection, cart_id: str, owner: str):
    cart = await connection.fetchrow("SELECT customer_id, status, currency, version FROM peer_carts WHERE cart_id = $1 FOR UPDATE", cart_id)
    if cart is None or cart["customer_id"] != owner:
        raise HTTPException(404, "no such cart")
    if cart["status"] != "open":
        raise HTTPException(409, "the cart is closed")
    return cart


@app.post("/carts/{cart_id}/lines")
async def add_line(cart_id: str, line: LineIn, owner: str = Depends(customer)):
    async with app.state.pool.acquire() as connection, connection.transaction():
        cart = await locked_cart(connection, cart_id, owner)
        variant = await connection.fetchrow(
            "SELECT p.product_id, p.name, p.price, p.currency, s.available FROM peer_products p JOIN peer_stock s USING (sku) WHERE p.sku = $1",
            line.sku,
        )
        if variant is None or variant["product_id"] != line.productId:
            raise HTTPException(422, "unknown variant")
        if variant["currency"] != cart["currency"]:
            raise HTTPException(409, "not priced in the cart's currency")
        if variant["available"] < line.quantity:
            raise HTTPException(409, "not enough stock")
        await connection.execute(
            """INSERT INTO peer_cart_lines VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = peer_cart_lines.quantity + excluded.quantity, unit_price = excluded.unit_price""",
            cart_id, line.sku, variant["product_id"], variant["name"], line.quantity, variant["price"],
        )
        version = await connection.fetchval("UPDATE peer_carts SET version = version + 1 WHERE cart_id = $1 RETURNING version", cart_id)
        lines = await connection.fetch("SELECT sku, product_id, name, quantity, unit_price FROM peer_cart_lines WHERE cart_id = $1 ORDER BY sku", cart_id)
    return {
        "cartId": cart_id,
        "version": version,
        "currency": cart["currency"],
        "lines": [dict(row) for row in lines],
        "subtotal": sum(row["quantity"] * row["unit_price"] for row in lines),
    }


@app.post("/carts/{cart_id}/checkout", status_code=201)
async def checkout(cart_id: str, body: CheckoutIn, owner: str = Depends(customer)):
    async with app.state.pool.acquire() as connection, connection.transaction():
        cart = await locked_cart(connection, cart_id, owner)
        lines = await connection.fetch("SELECT sku, quantity, unit_price FROM peer_cart_lines WHERE cart_id = $1 ORDER BY sku", cart_id)
        if not lines:
            raise HTTPException(409, "the cart is empty")
        for line in lines:
            taken = await connection.fetchval(
                "UPDATE peer_stock SET available = available - $2 WHERE sku = $1 AND available >= $2 RETURNING available", line["sku"], line["quantity"]
            )
            if taken is None:
                raise HTTPException(409, f"not enough stock of {line['sku']}")
        total = sum(line["quantity"] * line["unit_price"] for line in lines) + SHIPPING
        order_id = str(uuid.uuid4())
        await connection.execute("INSERT INTO peer_orders (order_id, cart_id, customer_id, total, currency) VALUES ($1, $2, $3, $4, $5)",
                                 order_id, cart_id, owner, total, cart["currency"])
        await connection.executemany("INSERT INTO peer_order_lines VALUES ($1, $2, $3, $4)",
                                     [(order_id, line["sku"], line["quantity"], line["unit_price"]) for line in lines])
        status = "authorized" if body.cardNumber.endswith("4242") else "declined"
        await connection.execute("INSERT INTO peer_payments VALUES ($1, $2, $3, $4)", str(uuid.uuid4()), order_id, total, status)
        await connection.execute("UPDATE peer_carts SET status = 'checked_out', version = version + 1 WHERE cart_id = $1", cart_id)
    return JSONResponse({"orderId": order_id, "total": total, "currency": cart["currency"], "payment": status}, status_code=201)


@app.get("/health/live")
async def live():
    return {"status": "ok"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["setup"])
    parser.add_argument("--customer", required=True)
    parser.add_argument("--carts", type=int, default=2000)
    parser.add_argument("--ready", type=int, default=4000)
    parser.add_argument("--skus", type=int, default=50)
    arguments = parser.parse_args()
    asyncio.run(setup(os.environ["PEER_DATABASE_URL"], arguments.customer, arguments.carts, arguments.ready, arguments.skus))
