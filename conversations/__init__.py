"""How conversations are kept: the Rasa tracker store the assistant runs with."""
