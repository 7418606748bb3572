"""Names the NLU pipeline and the custom actions share, defined once.

Kept apart from ``nlp/safety_net.py`` (which exports them too) so that the action server can
read them without importing Rasa's NLU, spaCy and TensorFlow (about 4 s and a large share of
memory at start-up).
"""

# The intent of a message that describes a child in immediate danger: "call 999 now" first.
DANGER_INTENT = "report_immediate_danger"
# Where the safety net records, in a parsed message, that it found immediate danger and why.
SAFETY_NET_KEY = "danger_safety_net"
