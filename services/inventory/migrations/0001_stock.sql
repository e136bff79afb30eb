-- Stock per product (variant_id '') and per variant; available never goes below zero.
CREATE TABLE stock (
    product_id TEXT NOT NULL,
    variant_id TEXT NOT NULL DEFAULT '',
    available BIGINT NOT NULL CHECK (available >= 0),
    reserved BIGINT NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    low_stock_threshold BIGINT NOT NULL DEFAULT 10,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (product_id, variant_id)
);
CREATE INDEX stock_unavailable ON stock (variant_id, available);

-- Every change of stock: who, why, before and after.
CREATE TABLE movements (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    variant_id TEXT NOT NULL DEFAULT '',
    delta BIGINT NOT NULL,
    before_qty BIGINT NOT NULL,
    after_qty BIGINT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX movements_by_product ON movements (product_id, at);
