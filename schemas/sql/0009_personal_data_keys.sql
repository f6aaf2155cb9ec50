-- One AES-256 key per data subject (a customer, a guest cart), sealing their personal data in
-- events (Sources/EventStore/PersonalData/PersonalDataVault.swift). Erasure sets the key to
-- NULL and keeps the row as a tombstone, so that no new key is ever made for an erased subject;
-- the erasing command then vacuums the table so the old key's bytes leave the live heap.
-- Backups and WAL archives keep a key until they age out: erasure is complete once they have.
CREATE TABLE personal_data_keys (
    subject    text        PRIMARY KEY,
    key        bytea       CHECK (key IS NULL OR length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at  timestamptz,
    CHECK ((key IS NULL) = (erased_at IS NOT NULL))
);
