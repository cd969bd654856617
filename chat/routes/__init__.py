"""Routes: pages, the REST API and the sockets."""
