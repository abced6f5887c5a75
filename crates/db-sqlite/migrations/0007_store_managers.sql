-- Store managers run one or more stores (users.store_id holds their home store; store_managers all
-- of them). A discount limit can be set per person by their store manager; NULL means their role's
-- default. The users table is rebuilt to allow the new role (SQLite cannot alter a CHECK); the
-- migration runs with foreign keys off and is checked before it commits.
CREATE TABLE users_new (
    id                     TEXT PRIMARY KEY,
    display_name           TEXT NOT NULL,
    role                   TEXT NOT NULL
        CHECK (role IN ('consumer', 'promoter', 'store_manager', 'distributor', 'operator', 'admin')),
    store_id               TEXT REFERENCES stores (id),
    dealer_id              TEXT REFERENCES dealers (id),
    password_hash          TEXT,
    created_at             INTEGER NOT NULL,
    discount_limit_percent INTEGER CHECK (discount_limit_percent BETWEEN 0 AND 100),
    CHECK (role NOT IN ('promoter', 'store_manager') OR store_id IS NOT NULL),
    CHECK (role <> 'distributor' OR dealer_id IS NOT NULL)
);
INSERT INTO users_new (id, display_name, role, store_id, dealer_id, password_hash, created_at)
    SELECT id, display_name, role, store_id, dealer_id, password_hash, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE store_managers (
    user_id  TEXT NOT NULL REFERENCES users (id),
    store_id TEXT NOT NULL REFERENCES stores (id),
    PRIMARY KEY (user_id, store_id)
);
CREATE INDEX store_managers_by_store ON store_managers (store_id);
