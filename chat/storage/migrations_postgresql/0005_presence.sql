-- The status an agent chose in the top bar, kept across restarts. Whether they are offline is
-- not stored: it follows from their open sockets (chat/hub/presence.py).
ALTER TABLE agents ADD COLUMN presence TEXT NOT NULL DEFAULT 'available'
    CHECK (presence IN ('available', 'busy'));
