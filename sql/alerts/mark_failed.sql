-- The digest could not be handed over: back to pending for the next run, or failed after the last attempt.
-- Params: message_id, error, max_attempts.
update billing.alert_log
set attempts = attempts + 1,
    last_error = %(error)s,
    status = case when attempts + 1 >= %(max_attempts)s then 'failed' else 'pending' end
where message_id = %(message_id)s and status = 'sending';
