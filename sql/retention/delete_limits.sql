-- Before the deletes: every batch is one autocommitted statement, so these bound each one. A batch that
-- waits on a lock or runs long fails fast and is retried smaller instead of stalling the app's writes.
set lock_timeout = '1s';
set statement_timeout = '10s';
-- Room for a batch's row addresses in memory rather than a temp file.
set work_mem = '64MB';
