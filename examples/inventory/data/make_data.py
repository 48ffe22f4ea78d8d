"""Write the example data of the inventory project, deterministically.

Run from anywhere: ``python examples/inventory/data/make_data.py``. Only the standard
library is used (``random.Random`` with a fixed seed), so the output is the same on every
run and every machine.

Writes:

* ``warehouse/fixtures/suppliers.json``: 40 suppliers, SUP-001 .. SUP-040 (pk 1 .. 40).
* ``data/products.csv``: 2,000 products, unique on (sku, region); regions written lower
  case; the supplier column is the supplier's natural key as a JSON list (``["SUP-007"]``),
  which is what ``ForeignKeyWidget(use_natural_foreign_keys=True)`` reads. 30 rows (1.5%)
  are rejected by ``Product.clean()``: 15 with a price of 0.00 or below, 15 with a name
  containing DISCONTINUED.
* ``data/products-state.csv``: the first 1,000 rows of products.csv.
* ``data/products-update.csv``: the 2,000 rows of products.csv, in the same order, with a
  third of the valid rows changed (price or name); the invalid rows are left as they are.
* ``data/profiles.csv``: profiles of 30 of the 40 suppliers.
"""

import csv
import datetime
import json
from decimal import Decimal
from pathlib import Path
from random import Random

SEED = 20240611
HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent

N_SUPPLIERS = 40
N_PRODUCTS = 2000
N_STATE = 1000
N_BAD_PRICE = 15
N_DISCONTINUED = 15
N_PROFILES = 30

REGIONS = ["eu", "us", "apac"]
COUNTRIES = [
    "DE",
    "FR",
    "NL",
    "IT",
    "ES",
    "PL",
    "SE",
    "US",
    "CA",
    "MX",
    "JP",
    "KR",
    "AU",
    "SG",
    "IN",
]
COMPANY_WORDS = [
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Monarch",
    "Dunder",
]
COMPANY_SUFFIXES = [
    "Supply",
    "Trading",
    "Industries",
    "Components",
    "Logistics",
    "Parts",
    "Wholesale",
]
ADJECTIVES = [
    "Compact",
    "Heavy-duty",
    "Stainless",
    "Cordless",
    "Premium",
    "Basic",
    "Industrial",
    "Mini",
    "Large",
    "Ergonomic",
    "Galvanised",
    "Insulated",
    "Reinforced",
    "Portable",
    "Modular",
]
NOUNS = [
    "Hex Bolt",
    "Wrench",
    "Drill Bit",
    "Cable Tie",
    "Hinge",
    "Bracket",
    "Pipe Clamp",
    "Socket Set",
    "Work Light",
    "Tape Measure",
    "Spirit Level",
    "Toolbox",
    "Shelf Unit",
    "Extension Lead",
    "Safety Gloves",
    "Fuse",
    "Washer Pack",
    "Anchor Plug",
    "Pallet Wrap",
    "Storage Bin",
]
PREFIXES = ["HW", "EL", "TL", "ST", "SF", "PK"]
NOTES = [
    "",
    "",
    "Reliable lead times.",
    "Ships from two warehouses.",
    "Minimum order 50 units.",
    "Invoices monthly; net 30.",
    "Occasional short shipments.",
    "Preferred for urgent orders.",
    "Prices reviewed every quarter.",
    "Contact via the purchasing portal only.",
]
HEADERS = ["sku", "region", "supplier", "name", "price", "stocked_on", "active"]


def supplier_code(n):
    return f"SUP-{n:03d}"


def make_suppliers(rng):
    fixture = []
    for n in range(1, N_SUPPLIERS + 1):
        name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)} {n}"
        fixture.append(
            {
                "model": "warehouse.supplier",
                "pk": n,
                "fields": {
                    "code": supplier_code(n),
                    "name": name,
                    "country": rng.choice(COUNTRIES),
                },
            }
        )
    return fixture


def product_name(rng):
    name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.randint(1, 60) * 5}"
    # A few names carry stray spaces, as spreadsheets do; before_import_row strips them.
    if rng.random() < 0.05:
        name = f"  {name} "
    return name


def price(rng):
    return str(Decimal(rng.randint(50, 99999)) / 100)


def make_products(rng):
    keys = []
    seen = set()
    while len(keys) < N_PRODUCTS:
        sku = f"{rng.choice(PREFIXES)}-{rng.randint(1, 9999):05d}"
        # A SKU is sold in one to three regions: (sku, region) is the key, not sku alone.
        for region in rng.sample(REGIONS, rng.randint(1, 3)):
            if (sku, region) not in seen and len(keys) < N_PRODUCTS:
                seen.add((sku, region))
                keys.append((sku, region))
    rng.shuffle(keys)
    start = datetime.date(2021, 1, 1)
    rows = []
    for sku, region in keys:
        rows.append(
            {
                "sku": sku,
                "region": region,
                "supplier": json.dumps([supplier_code(rng.randint(1, N_SUPPLIERS))]),
                "name": product_name(rng),
                "price": price(rng),
                "stocked_on": (start + datetime.timedelta(days=rng.randint(0, 1400))).isoformat(),
                "active": "1" if rng.random() < 0.85 else "0",
            }
        )
    # Rows Product.clean() rejects, spread over the file (and so over products-state.csv).
    bad = rng.sample(range(N_PRODUCTS), N_BAD_PRICE + N_DISCONTINUED)
    for i in bad[:N_BAD_PRICE]:
        rows[i]["price"] = rng.choice(
            ["0.00", "-1.00", f"-{rng.randint(1, 999)}.{rng.randint(0, 99):02d}"]
        )
    for i in bad[N_BAD_PRICE:]:
        rows[i]["name"] = f"{rows[i]['name'].strip()} DISCONTINUED"
    return rows, set(bad)


def make_update(rng, rows, bad):
    updated = []
    for i, row in enumerate(rows):
        row = dict(row)
        if i not in bad and rng.random() < 1 / 3:
            if rng.random() < 0.5:
                row["price"] = str(
                    (
                        Decimal(row["price"]) * Decimal(rng.choice(["1.05", "1.10", "0.95"]))
                    ).quantize(Decimal("0.01"))
                )
            else:
                row["name"] = (
                    f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.randint(61, 99) * 5}"
                )
        updated.append(row)
    return updated


def make_profiles(rng):
    codes = sorted(rng.sample(range(1, N_SUPPLIERS + 1), N_PROFILES))
    return [
        {"supplier": supplier_code(n), "rating": rng.randint(1, 5), "notes": rng.choice(NOTES)}
        for n in codes
    ]


def write_csv(path, headers, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=headers, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main():
    rng = Random(SEED)
    suppliers = make_suppliers(rng)
    rows, bad = make_products(rng)
    update = make_update(rng, rows, bad)
    profiles = make_profiles(rng)

    fixture_path = PROJECT / "warehouse" / "fixtures" / "suppliers.json"
    fixture_path.parent.mkdir(parents=True, exist_ok=True)
    fixture_path.write_text(json.dumps(suppliers, indent=2) + "\n", encoding="utf-8")
    write_csv(HERE / "products.csv", HEADERS, rows)
    write_csv(HERE / "products-state.csv", HEADERS, rows[:N_STATE])
    write_csv(HERE / "products-update.csv", HEADERS, update)
    write_csv(HERE / "profiles.csv", ["supplier", "rating", "notes"], profiles)

    changed = sum(a != b for a, b in zip(rows, update, strict=True))
    print(
        f"{len(suppliers)} suppliers, {len(rows)} products ({len(bad)} rejected by clean(), "
        f"{sum(i < N_STATE for i in bad)} of them in the state), {changed} changed in the update, "
        f"{len(profiles)} profiles"
    )


if __name__ == "__main__":
    main()
