"""Email: the SMTP and IMAP servers' addresses, the continuity email a visitor gets when they
left the chat, and the replies that come back (TEAMS.md, "Business hours and email"). Like
storage/, hub/ and ai/ this package does I/O for the service and knows nothing of the web."""
