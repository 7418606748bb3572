"""The project's own dialogue policies, which run inside the Rasa server."""
