-- How many app users there are at all (`seed --if-empty` seeds only an empty database).
select count(*) from public."user";
