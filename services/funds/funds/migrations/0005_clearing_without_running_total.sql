-- The levy clearing account is on the other side of every credit: a running total on its one row
-- made every credit wait for the one before to commit. No balance of it is read, so it keeps none:
-- its balance is the sum of its entries (funds.ledger.UNTOTALLED).
UPDATE accounts SET posted_satang = 0, pending_satang = 0 WHERE code = 'levy-clearing';
