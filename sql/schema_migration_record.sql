-- Record one applied script with its checksum. Params: script, version (null for repeatables), checksum.
insert into billing.schema_migration (script, version, checksum)
values (%(script)s, %(version)s, %(checksum)s)
on conflict (script) do update
set checksum = excluded.checksum,
    applied_at = now();
