-- Anchors: digests over every stream's head at a global position (see
-- Sources/EventStore/Integrity/LogAnchor.swift). The root is what gets published outside the
-- system; the heads are kept so that `commerce audit verify --anchor` can name the stream that
-- was removed, cut short or rewritten. Someone able to rewrite events can rewrite these rows
-- too: that is why the root is published, and why verification recomputes it from the heads.

CREATE TABLE audit_anchors (
    position   bigint      PRIMARY KEY,
    root       bytea       NOT NULL CHECK (length(root) = 32),
    streams    integer     NOT NULL,
    events     bigint      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_anchor_heads (
    anchor_position bigint NOT NULL REFERENCES audit_anchors (position) ON DELETE CASCADE,
    stream_name     text   NOT NULL,
    stream_version  bigint NOT NULL,
    hash            bytea  NOT NULL,
    PRIMARY KEY (anchor_position, stream_name)
);
