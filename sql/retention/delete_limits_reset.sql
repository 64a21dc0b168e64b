-- After the deletes: the closing counts read whole tables and must not run under the batches' limits.
reset lock_timeout;
reset statement_timeout;
reset work_mem;
