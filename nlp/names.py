"""Names the NLU pipeline and the custom actions share, defined once.

Kept apart from ``nlp/safety_net.py`` (which exports them too) so that the action server can
read them without importing Rasa's NLU, spaCy and TensorFlow (about 4 s and a large share of
memory at start-up).
"""

# The intent of a message that describes a child in immediate danger: "call 999 now" first.
DANGER_INTENT = "report_immediate_danger"
# Where the safety net records, in a parsed message, that it found immediate danger and why.
SAFETY_NET_KEY = "danger_safety_net"
# What the safety net read in a message besides danger: who is writing, whether the harm is over,
# its language (nlp/safety_net.py).
CUES_KEY = "cues"
# The entity (and slot) holding a message's language when it is not English.
LANGUAGE_ENTITY = "language"
WORRY_INTENT = "express_worry_about_child"
DISCLOSURE_INTENT = "report_child_disclosure"
CHILD_INTENT = "child_seeking_help"
OTHER_LANGUAGE_INTENT = "other_language"
# The input channel of a staff member's preview of the assistant (the staff console's preview
# page, channels/socketio.py): its conversations and referrals are kept out of the live ones.
PREVIEW_CHANNEL = "staff_preview"
