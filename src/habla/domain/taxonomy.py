"""The fixed error categories of each language pair, so corrections can be counted and trended.

A category is a short slug (``verb_tense``, ``ser_estar``). Every pair shares a core; the target language
adds what is hard in it (Spanish: ser/estar, por/para, subjunctive; English: phrasal verbs, countable
nouns; German: case), and a few pairs add a native-dependent one (an English speaker learning Spanish
meets ``false_friend``; a Spanish speaker learning English meets "false friends" and dropped subjects).

The model writes categories freely; ``normalise`` maps what it wrote onto the pair's list: exact slugs,
then common synonyms in English and Spanish ("tense", "gender", "accent mark", "vocabulario"), else
``other``. So an odd label never drops a correction, and never invents a category.

``label(category, language)`` is the name a learner reads ("my mistakes"), in English or Spanish; other
languages get the English name.
"""

from __future__ import annotations

import re

from habla.domain.text import fold

OTHER = "other"

_CORE = (
    "verb_tense", "verb_form", "agreement", "article", "preposition", "pronoun", "word_order",
    "spelling_accent", "word_choice", "false_friend", "punctuation",
)
_BY_TARGET: dict[str, tuple[str, ...]] = {
    "es": ("ser_estar", "por_para", "subjunctive", "gender"),
    "en": ("phrasal_verb", "countable_uncountable", "missing_subject", "auxiliary"),
    "fr": ("gender", "subjunctive", "partitive", "negation"),
    "it": ("gender", "subjunctive", "auxiliary"),
    "pt": ("ser_estar", "gender", "subjunctive"),
    "de": ("gender", "case", "separable_verb"),
    "ca": ("ser_estar", "gender", "pronoun_clitic"),
    "nl": ("gender", "separable_verb"),
}
# Pairs where a category only makes sense given the learner's own language.
_BY_PAIR: dict[tuple[str, str], tuple[str, ...]] = {
    ("es", "en"): ("saber_conocer",),
    ("en", "es"): ("make_do",),
    ("en", "fr"): ("make_do",),
    ("en", "pt"): ("make_do",),
}

_LABELS: dict[str, tuple[str, str]] = {  # category -> (English, Spanish)
    "verb_tense": ("verb tense", "tiempo verbal"),
    "verb_form": ("verb form", "forma del verbo"),
    "agreement": ("agreement", "concordancia"),
    "article": ("articles", "artículos"),
    "preposition": ("prepositions", "preposiciones"),
    "pronoun": ("pronouns", "pronombres"),
    "word_order": ("word order", "orden de las palabras"),
    "spelling_accent": ("spelling and accents", "ortografía y tildes"),
    "word_choice": ("word choice", "elección de palabras"),
    "false_friend": ("false friends", "falsos amigos"),
    "punctuation": ("punctuation", "puntuación"),
    "ser_estar": ("ser / estar", "ser / estar"),
    "por_para": ("por / para", "por / para"),
    "subjunctive": ("subjunctive", "subjuntivo"),
    "gender": ("gender", "género"),
    "phrasal_verb": ("phrasal verbs", "phrasal verbs"),
    "countable_uncountable": ("countable / uncountable", "contables / incontables"),
    "missing_subject": ("missing subject", "falta el sujeto"),
    "auxiliary": ("auxiliary verbs", "verbos auxiliares"),
    "partitive": ("partitive articles", "artículos partitivos"),
    "negation": ("negation", "negación"),
    "case": ("case", "caso"),
    "separable_verb": ("separable verbs", "verbos separables"),
    "pronoun_clitic": ("clitic pronouns", "pronombres débiles"),
    "saber_conocer": ("saber / conocer", "saber / conocer"),
    "make_do": ("make / do", "make / do"),
    OTHER: ("other", "otros"),
}

# Folded words the model tends to write, to the slug they mean. Checked in order: first match wins.
_SYNONYMS: tuple[tuple[str, str], ...] = (
    (r"ser.{0,5}estar", "ser_estar"),
    (r"por.{0,5}para", "por_para"),
    (r"saber.{0,5}conocer", "saber_conocer"),
    (r"make.{0,5}do", "make_do"),
    (r"subjun", "subjunctive"),
    (r"phrasal", "phrasal_verb"),
    (r"countable|uncountable|contable", "countable_uncountable"),
    (r"false friend|falsos? amigos?|faux ami", "false_friend"),
    (r"tense|tiempo|temps|tempo", "verb_tense"),
    (r"conjugat|conjugac|verb form|forma verbal|verbo", "verb_form"),
    (r"gender|genero", "gender"),
    (r"agreement|concordanc", "agreement"),
    (r"partitiv", "partitive"),
    (r"article|articulo", "article"),
    (r"preposi", "preposition"),
    (r"clitic", "pronoun_clitic"),
    (r"pronoun|pronombre|pronom", "pronoun"),
    (r"order|orden|syntax|sintaxis", "word_order"),
    (r"spell|accent|ortograf|tilde|typo", "spelling_accent"),
    (r"punctuat|puntuac", "punctuation"),
    (r"negat", "negation"),
    (r"\bcase\b|\bcaso\b|dativ|akkusativ|genitiv", "case"),
    (r"separable", "separable_verb"),
    (r"auxiliar", "auxiliary"),
    (r"subject|sujeto", "missing_subject"),
    (r"word choice|vocab|lexic|wrong word|eleccion|usage|register|idiom", "word_choice"),
)


def categories(target: str, native: str) -> tuple[str, ...]:
    """The fixed categories of one pair, ``other`` last."""
    target, native = target.lower(), native.lower()
    return (*_CORE, *_BY_TARGET.get(target, ()), *_BY_PAIR.get((target, native), ()), OTHER)


def normalise(category: str, target: str, native: str) -> str:
    """The pair's category that ``category`` means: itself, a synonym's slug, else ``other``."""
    allowed = categories(target, native)
    folded = fold(category).strip()
    slug = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")
    if slug in allowed:
        return slug
    spaced = slug.replace("_", " ")
    for pattern, meant in _SYNONYMS:
        if meant in allowed and re.search(pattern, spaced):
            return meant
    return OTHER


def label(category: str, language: str) -> str:
    """The category's name for the learner: Spanish for Spanish speakers, English otherwise."""
    english, spanish = _LABELS.get(category, (category.replace("_", " "), category.replace("_", " ")))
    return spanish if language.lower() == "es" else english
