"""The tutor: the structured turn (turn.py), the CEFR level over time (level.py), commands, onboarding and
progress, grammar tables (tables.py) and flashcards (flashcards.py, words.py). Pure rules live in
``habla.domain`` (tutor_turn, taxonomy, correction_rules, turn_render, level); this package does the I/O
around them (the model call, the store, the libraries' data)."""
