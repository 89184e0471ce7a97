-- Regions joined by NATS leafnodes (ConnectionOptions.Region): where a task was submitted and where it runs or ran.
-- Null for an installation that stands alone. In the origin region, region is the peer a task was sent to; in the
-- peer, the row its worker inserts carries both, and its result travels home (TaskHomecoming).
ALTER TABLE ${schema}.tasks ADD COLUMN submitted_region text NULL;
ALTER TABLE ${schema}.tasks ADD COLUMN region text NULL;
