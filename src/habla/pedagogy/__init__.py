"""The tutor: structured turns and corrections (turn.py, render.py), the CEFR level (level.py), commands,
onboarding and progress, grammar tables and flashcards. Pure rules live in ``habla.domain``; this package
does the I/O around them (the model call, the store)."""
