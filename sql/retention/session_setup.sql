-- Retention's connection: windows are whole UTC days, whatever the server's time zone.
set timezone = 'UTC';
set application_name = 'superlytics data_retention';
