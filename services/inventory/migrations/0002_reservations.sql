-- Stock held for an order during checkout: one reservation per order, all of its lines or none.
-- Status moves only forward (HELD → COMMITTED → RELEASED, HELD → RELEASED | EXPIRED), and every
-- move is a conditional UPDATE on the current status, so concurrent callers apply it once.
CREATE TABLE reservations (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('HELD', 'COMMITTED', 'RELEASED', 'EXPIRED')),
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- The sweeper's question: which HELD reservations are past their time.
CREATE INDEX reservations_due ON reservations (status, expires_at);

CREATE TABLE reservation_lines (
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    product_id TEXT NOT NULL,
    variant_id TEXT NOT NULL DEFAULT '',
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, product_id, variant_id)
);

-- Movements now also record reservation traffic, which moves stock between available and
-- reserved; existing rows were all admin adjustments.
ALTER TABLE movements ADD COLUMN kind TEXT NOT NULL DEFAULT 'ADJUST';
ALTER TABLE movements ADD COLUMN reserved_delta BIGINT NOT NULL DEFAULT 0;
ALTER TABLE movements ADD COLUMN order_id TEXT;
