//! The product service's schema. Unique columns are declared inline (`UNIQUE`) so both backends
//! name the constraint predictably and `map_sqlx` can report a slug or SKU clash as a 409 on
//! that field. Tags are also kept one per row in `product_tags` so the "any of these tags"
//! filter is an indexed lookup on both backends.
use vici_store::Migration;

pub const ALL: &[Migration] = &[
    Migration::new(
        1,
        "catalogue",
        "CREATE TABLE categories (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        slug TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        image TEXT NOT NULL DEFAULT '',
        icon TEXT,
        parent_id TEXT REFERENCES categories (id),
        sort_order BIGINT NOT NULL DEFAULT 0,
        is_active BOOLEAN NOT NULL DEFAULT TRUE,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
     );
     CREATE INDEX categories_parent ON categories (parent_id);
     CREATE TABLE products (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        slug TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        long_description TEXT NOT NULL DEFAULT '',
        price_cents BIGINT NOT NULL,
        original_price_cents BIGINT,
        currency TEXT NOT NULL,
        category_id TEXT NOT NULL REFERENCES categories (id),
        images TEXT NOT NULL DEFAULT '[]',
        specifications TEXT NOT NULL DEFAULT '{}',
        tags TEXT NOT NULL DEFAULT '[]',
        rating DOUBLE PRECISION NOT NULL DEFAULT 0,
        review_count BIGINT NOT NULL DEFAULT 0,
        is_new BOOLEAN NOT NULL DEFAULT FALSE,
        is_featured BOOLEAN NOT NULL DEFAULT FALSE,
        is_on_sale BOOLEAN NOT NULL DEFAULT FALSE,
        sku TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
     );
     CREATE INDEX products_category ON products (category_id, status);
     CREATE INDEX products_featured ON products (status, is_featured, rating);
     CREATE INDEX products_price ON products (status, price_cents);
     CREATE INDEX products_created ON products (status, created_at);
     CREATE TABLE product_tags (
        product_id TEXT NOT NULL REFERENCES products (id),
        tag TEXT NOT NULL,
        PRIMARY KEY (product_id, tag)
     );
     CREATE INDEX product_tags_tag ON product_tags (tag);
     CREATE TABLE product_variants (
        id TEXT PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products (id),
        name TEXT NOT NULL,
        sku TEXT NOT NULL UNIQUE,
        price_cents BIGINT NOT NULL,
        attributes TEXT NOT NULL DEFAULT '{}',
        position BIGINT NOT NULL DEFAULT 0
     );
     CREATE INDEX product_variants_product ON product_variants (product_id, position);
     CREATE TABLE reviews (
        id TEXT PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products (id),
        user_id TEXT NOT NULL,
        user_name TEXT NOT NULL,
        user_avatar TEXT,
        rating BIGINT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        comment TEXT NOT NULL DEFAULT '',
        images TEXT NOT NULL DEFAULT '[]',
        helpful BIGINT NOT NULL DEFAULT 0,
        verified BOOLEAN NOT NULL DEFAULT FALSE,
        created_at BIGINT NOT NULL,
        UNIQUE (product_id, user_id)
     );
     CREATE INDEX reviews_product ON reviews (product_id, created_at);
     CREATE TABLE review_votes (
        review_id TEXT NOT NULL REFERENCES reviews (id),
        user_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (review_id, user_id)
     );",
    ),
    // Who bought what (from `behaviour.purchase`), so a review can say the reviewer bought it.
    Migration::new(
        2,
        "purchases",
        "CREATE TABLE purchases (
            user_id TEXT NOT NULL,
            product_id TEXT NOT NULL,
            first_order_id TEXT NOT NULL,
            purchased_at BIGINT NOT NULL,
            PRIMARY KEY (user_id, product_id)
         );",
    ),
    // Each paid order line, and whether its order was cancelled since: `purchases` holds the
    // (user, product) pairs with a line still standing. A cancellation may arrive before the
    // purchase it cancels (they travel on different topics), so it is kept as a line too.
    Migration::new(
        3,
        "purchase lines",
        "CREATE TABLE purchase_lines (
            order_id TEXT NOT NULL,
            product_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            cancelled BIGINT NOT NULL,
            PRIMARY KEY (order_id, product_id)
         );
         CREATE INDEX purchase_lines_by_buyer ON purchase_lines (user_id, product_id);
         INSERT INTO purchase_lines (order_id, product_id, user_id, cancelled)
            SELECT first_order_id, product_id, user_id, 0 FROM purchases;",
    ),
    // The first order still standing for a (user, product) pair is one index seek, however
    // often the user bought it: settling a purchase read every line of the pair before.
    Migration::new(
        4,
        "purchase lines standing",
        "CREATE INDEX purchase_lines_standing ON purchase_lines (user_id, product_id, cancelled, order_id);
         DROP INDEX purchase_lines_by_buyer;",
    ),
];
