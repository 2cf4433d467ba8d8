"""The fixed error categories of each language pair, so corrections can be counted and trended.

A category is a short slug (``verb_tense``, ``ser_estar``). Every pair shares a core; the target language
adds what is hard in it (Spanish: ser/estar, por/para, subjunctive; English: phrasal verbs, countable
nouns; German: case), and a few pairs add a native-dependent one (an English speaker learning Spanish
meets ``false_friend``; a Spanish speaker learning English meets "false friends" and dropped subjects).

The model writes categories freely; ``normalise`` maps what it wrote onto the pair's list: exact slugs,
then common synonyms in English and Spanish ("tense", "gender", "accent mark", "vocabulario"), else
``other``. So an odd label never drops a correction, and never invents a category.

``label(category, language)`` is the name a learner reads ("my mistakes"), in en/es/fr/it/pt/de; other
languages get the English name.
"""

from __future__ import annotations

import re

from habla.domain.text import fold, in_language

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

# category -> its name for the learner, in their language (English where we have none)
_LABELS: dict[str, dict[str, str]] = {
    "verb_tense": {"en": "verb tense", "es": "tiempo verbal", "fr": "temps du verbe", "it": "tempo verbale", "pt": "tempo verbal", "de": "Zeitform"},
    "verb_form": {"en": "verb form", "es": "forma del verbo", "fr": "forme du verbe", "it": "forma del verbo", "pt": "forma do verbo", "de": "Verbform"},
    "agreement": {"en": "agreement", "es": "concordancia", "fr": "accord", "it": "concordanza", "pt": "concordância", "de": "Übereinstimmung"},
    "article": {"en": "articles", "es": "artículos", "fr": "articles", "it": "articoli", "pt": "artigos", "de": "Artikel"},
    "preposition": {"en": "prepositions", "es": "preposiciones", "fr": "prépositions", "it": "preposizioni", "pt": "preposições", "de": "Präpositionen"},
    "pronoun": {"en": "pronouns", "es": "pronombres", "fr": "pronoms", "it": "pronomi", "pt": "pronomes", "de": "Pronomen"},
    "word_order": {"en": "word order", "es": "orden de las palabras", "fr": "ordre des mots", "it": "ordine delle parole", "pt": "ordem das palavras", "de": "Wortstellung"},
    "spelling_accent": {"en": "spelling and accents", "es": "ortografía y tildes", "fr": "orthographe et accents", "it": "ortografia e accenti", "pt": "ortografia e acentos", "de": "Rechtschreibung und Akzente"},
    "word_choice": {"en": "word choice", "es": "elección de palabras", "fr": "choix des mots", "it": "scelta delle parole", "pt": "escolha de palavras", "de": "Wortwahl"},
    "false_friend": {"en": "false friends", "es": "falsos amigos", "fr": "faux amis", "it": "falsi amici", "pt": "falsos amigos", "de": "falsche Freunde"},
    "punctuation": {"en": "punctuation", "es": "puntuación", "fr": "ponctuation", "it": "punteggiatura", "pt": "pontuação", "de": "Zeichensetzung"},
    "ser_estar": {"en": "ser / estar", "es": "ser / estar", "fr": "ser / estar", "it": "ser / estar", "pt": "ser / estar", "de": "ser / estar"},
    "por_para": {"en": "por / para", "es": "por / para", "fr": "por / para", "it": "por / para", "pt": "por / para", "de": "por / para"},
    "subjunctive": {"en": "subjunctive", "es": "subjuntivo", "fr": "subjonctif", "it": "congiuntivo", "pt": "subjuntivo", "de": "Konjunktiv"},
    "gender": {"en": "gender", "es": "género", "fr": "genre", "it": "genere", "pt": "género", "de": "Genus"},
    "phrasal_verb": {"en": "phrasal verbs", "es": "phrasal verbs", "fr": "phrasal verbs", "it": "phrasal verbs", "pt": "phrasal verbs", "de": "Phrasal Verbs"},
    "countable_uncountable": {"en": "countable / uncountable", "es": "contables / incontables", "fr": "dénombrable / indénombrable", "it": "numerabili / non numerabili", "pt": "contáveis / incontáveis", "de": "zählbar / unzählbar"},
    "missing_subject": {"en": "missing subject", "es": "falta el sujeto", "fr": "sujet manquant", "it": "soggetto mancante", "pt": "sujeito em falta", "de": "fehlendes Subjekt"},
    "auxiliary": {"en": "auxiliary verbs", "es": "verbos auxiliares", "fr": "verbes auxiliaires", "it": "verbi ausiliari", "pt": "verbos auxiliares", "de": "Hilfsverben"},
    "partitive": {"en": "partitive articles", "es": "artículos partitivos", "fr": "articles partitifs", "it": "articoli partitivi", "pt": "artigos partitivos", "de": "Teilungsartikel"},
    "negation": {"en": "negation", "es": "negación", "fr": "négation", "it": "negazione", "pt": "negação", "de": "Verneinung"},
    "case": {"en": "case", "es": "caso", "fr": "cas", "it": "caso", "pt": "caso", "de": "Fall (Kasus)"},
    "separable_verb": {"en": "separable verbs", "es": "verbos separables", "fr": "verbes séparables", "it": "verbi separabili", "pt": "verbos separáveis", "de": "trennbare Verben"},
    "pronoun_clitic": {"en": "clitic pronouns", "es": "pronombres débiles", "fr": "pronoms clitiques", "it": "pronomi clitici", "pt": "pronomes clíticos", "de": "klitische Pronomen"},
    "saber_conocer": {"en": "saber / conocer", "es": "saber / conocer", "fr": "saber / conocer", "it": "saber / conocer", "pt": "saber / conocer", "de": "saber / conocer"},
    "make_do": {"en": "make / do", "es": "make / do", "fr": "make / do", "it": "make / do", "pt": "make / do", "de": "make / do"},
    OTHER: {"en": "other", "es": "otros", "fr": "autres", "it": "altro", "pt": "outros", "de": "Sonstiges"},
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
    """The category's name for the learner, in their language (six of them; English otherwise)."""
    names = _LABELS.get(category)
    return in_language(names, language.lower()) if names else category.replace("_", " ")
