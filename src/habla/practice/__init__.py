"""Practice on the learner's clock: FSRS cards from the conversation (cards.py), and the reviews applied to them."""
