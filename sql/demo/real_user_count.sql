-- How many app users the synthetic generator did not make; the demo refuses to reseed when any exist.
select count(*)
from public."user"
where email is null
   or email not like '%@example.test';
