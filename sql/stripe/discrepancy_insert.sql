-- One discrepancy of a run. Params: run_id, seq, kind, user_id, stripe_id, detail.
insert into billing.stripe_discrepancy (run_id, seq, kind, user_id, stripe_id, detail)
values (%(run_id)s, %(seq)s, %(kind)s, %(user_id)s, %(stripe_id)s, %(detail)s);
