-- Publish the checked candidate as the new snapshot in one transaction. Readers in other sessions keep
-- seeing the whole old snapshot until the commit, then the whole new one: DELETE and INSERT take only row
-- locks, which never block a SELECT, and the table is never empty to anyone but this transaction.
-- No params.
set local lock_timeout = '5s';
delete from billing.enforcement;
insert into billing.enforcement select * from billing.enforcement_candidate;
