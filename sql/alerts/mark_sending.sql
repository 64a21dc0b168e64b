-- Claim one digest right before it is sent, in its own committed transaction: its pending rows become
-- 'sending' with its Message-ID. Params: user_id, message_id, max_attempts.
update billing.alert_log
set status = 'sending', message_id = %(message_id)s
where user_id = %(user_id)s
  and status = 'pending'
  and attempts < %(max_attempts)s;
