-- The SMTP server accepted the digest. Params: message_id.
update billing.alert_log set status = 'sent', sent_at = now() where message_id = %(message_id)s and status = 'sending';
