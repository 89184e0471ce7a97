-- Delivery guarantees: an accepted task always reaches the stream, and a second copy of its message never
-- runs it a second time.

-- The transactional outbox. A task row and its entry are written in one statement, so "accepted" means
-- "will be published": the submitter publishes at once and removes the entry; if it dies, times out or
-- loses its client first, any gateway's relay publishes the entry once relay_after has passed (with the
-- entry's message id, so JetStream drops a copy that was in fact stored). Relays take entries with
-- FOR UPDATE SKIP LOCKED and push relay_after forward: any number of gateway replicas may relay at once.
CREATE TABLE ${schema}.task_outbox (
    message_id  text        PRIMARY KEY,
    task_id     uuid        NOT NULL,
    relay_after timestamptz NOT NULL
);

CREATE INDEX task_outbox_relay_after ON ${schema}.task_outbox (relay_after);

-- The stream sequence of the message whose delivery claimed the task. A redelivery of that message (its
-- worker died) may take the task over; another copy of the message (a relay that published after the
-- duplicate window) may not, so one accepted task runs once however often it was published.
ALTER TABLE ${schema}.tasks ADD COLUMN claimed_by_sequence bigint NULL;
