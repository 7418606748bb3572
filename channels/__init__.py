"""The Rasa server's own input channel (socketio.py) and the log filter of the Rasa and action
servers (logsafe.py). Importing this package imports nothing of Rasa."""
