"""The AI first responder."""
