-- Forget the scoped periods before deriving them again for a wider range.
drop table if exists scope_period;
