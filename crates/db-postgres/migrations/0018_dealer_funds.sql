-- A dealer's prepayment (预存款) and rebate (返利) balances: each the sum of append-only
-- fund_movements, kept beside them in the same transaction. A prepayment is booked once per
-- dealer and reference; a settled rebate is credited once (with its rebate_credits row); paying
-- receivables from a balance debits it under the same payment reference as the credit movement.
-- Bounded by what dealers pay and settle (a few movements a month each), not by traffic.
CREATE TABLE dealer_funds (
    dealer_id  TEXT PRIMARY KEY REFERENCES dealers (id),
    prepayment BIGINT NOT NULL CHECK (prepayment >= 0),
    rebate     BIGINT NOT NULL CHECK (rebate >= 0),
    updated_at BIGINT NOT NULL
);
CREATE TABLE fund_movements (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dealer_id TEXT NOT NULL REFERENCES dealers (id),
    kind      TEXT NOT NULL CHECK (kind IN ('deposit', 'rebate', 'paid_from_prepayment', 'paid_from_rebate')),
    amount    BIGINT NOT NULL,
    reference TEXT NOT NULL,
    by_user   TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE INDEX fund_movements_by_dealer ON fund_movements (dealer_id, at);
CREATE UNIQUE INDEX fund_deposits_once ON fund_movements (dealer_id, reference) WHERE kind = 'deposit';
