"""The referral: a pure core the form's Rasa actions translate to and from.

- ``contract.py``: the contract (contracts/referral.v1.schema.json): limits, enums, ``validate_payload``.
- ``answers.py``: text as it is stored, "I don't know" and "skip", yes or no, reading a choice.
- ``validators.py``: the check of each kind of answer (names, phone, email, age, choices...).
- ``questions.py``: the question table, one entry per question, and which fit the person.
- ``decisions.py``: what each message does to the form (``decide``).
- ``payload.py``, ``triage.py``, ``summary.py``: the contract payload, its provisional RAG rating,
  and the summary shown before sending.
- ``form.py``: the Rasa actions, the only module here that imports rasa_sdk.
"""
