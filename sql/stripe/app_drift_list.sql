-- The drifted app users and their columns (temp table app_drift). No params.
select user_id::text, drifted_columns
from app_drift
order by user_id;
