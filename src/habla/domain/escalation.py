"""When a learner's message deserves the smart (expensive) model tier.

Most turns are ordinary chat in the target language, and the fast tier answers them well; about 85% of
turns should stay there. The smart tier earns its price on questions *about* the language: why a form is
used, the difference between two, when to use a tense. So the rules look for two things only:

1. a grammar term (subjunctive, ser vs estar, pluperfect, prepositions, leísmo…) in English, Spanish,
   French, Portuguese, German or Italian;
2. an explanation request (explain, difference between, when/how to use), or "why" about words: a "why"
   next to a grammar word or a quoted word. "¿Por qué no viniste?" is chat, not a grammar question;
3. a question of correctness, which a teacher answers with a rule: "is it correct to say…", "¿se dice X o
   Y?", "which one is right", "masculine or feminine", "which tense". "¿Qué tiempo hace?" is the weather.

Matching ignores case and accents, so "por qué", "por que" and "POR QUE" are the same.
"""

from __future__ import annotations

import re

from habla.domain.text import fold

# Grammar terms: any of them alone means a question about the language. Whole words after folding.
_GRAMMAR_TERMS = [
    # subjunctive / conditional
    r"subjunctive", r"subjuntivo", r"subjonctif", r"konjunktiv", r"congiuntivo",
    r"conditional", r"condicional", r"conditionnel", r"konditional", r"condizionale",
    # past tenses
    r"imperfect", r"imperfecto", r"imparfait", r"imperfeito", r"imperfetto",
    r"preterite", r"preterito", r"praeteritum", r"prateritum", r"passe compose", r"passato prossimo",
    r"pluperfect", r"pluscuamperfecto", r"plus-que-parfait", r"mais-que-perfeito", r"plusquamperfekt",
    r"trapassato", r"past perfect", r"present perfect", r"future perfect",
    # moods, voices, forms
    r"imperative", r"imperativo", r"imperatif", r"imperativ", r"gerunds?", r"gerundio", r"gerondif",
    r"participles?", r"participio", r"participe", r"partizip", r"infinitives?", r"infinitivo", r"infinitif",
    r"passive voice", r"voz pasiva", r"voix passive", r"voz passiva", r"forma passiva", r"passiv",
    r"reflexive", r"reflexivos?", r"pronominal", r"direct object", r"indirect object",
    r"complemento (in)?directo", r"objeto (in)?directo", r"akkusativ", r"dativ", r"genitiv",
    r"conjugat\w*", r"conjugacion", r"konjugation",
    # the classic pairs, and any "x vs y"
    r"ser (or|and|o|y|e|ou) estar", r"por (or|and|o|y|e|ou) para", r"saber (or|and|o|y) conocer",
    r"\w+ (vs\.?|versus) \w+",
    # parts of speech and classic trouble spots
    r"prepositions?", r"preposicion(es)?", r"pronouns?", r"pronombres?", r"pronoms?", r"clitics?", r"cliticos?",
    r"leismo", r"laismo", r"concordancia", r"accord du participe", r"subject-verb agreement",
    r"masculine or feminine", r"masculino o femenino", r"masculin ou feminin", r"maschile o femminile",
    r"(what|which) tense", r"que tiempo verbal", r"quel temps verbal",
]

# Questions of correctness: which form is right. A rule answers them, so they are grammar questions too.
_CORRECTNESS = [
    r"is it (correct|right|wrong) to say", r"is this (sentence )?(correct|right)", r"which (one )?is (correct|right)",
    r"(do|should|would|can) (i|you|we) say [^?]{1,40} or [^?]{1,40}",
    r"es correcto decir", r"esta bien dicho", r"(cual|que) es (lo|la forma )?correct[oa]", r"cual esta bien",
    r"se (dice|escribe) [^?]{1,40} o [^?]{1,40}", r"(debo|tengo que|puedo) decir [^?]{1,40} o [^?]{1,40}",
    r"est-ce correct", r"on dit [^?]{1,40} ou [^?]{1,40}", r"e correto dizer", r"ist es richtig",
]

# Requests for an explanation, whatever they are about.
_EXPLAIN = [
    r"explain", r"explanation", r"explica(me|r|s)?", r"explicacion", r"expliqu(ez|er)", r"explique-moi",
    r"erklar\w*", r"spiega(mi|re)?", r"spieghi",
    r"difference between", r"diferencia entre", r"difference entre", r"diferenca entre",
    r"unterschied zwischen", r"differenza (tra|fra)",
    r"when (do|should|would|can) (i|you|we|one) use", r"when to use", r"how (do|should) (i|you|we|one) use",
    r"cuando se (usa|utiliza)", r"cuando (debo|hay que|tengo que) usar", r"como se (usa|utiliza)",
    r"quand (utiliser|employer|est-ce qu'on utilise)", r"comment (utiliser|employer)",
    r"quando (usar|se usa|si usa)", r"como usar", r"come si usa",
    r"wann (benutzt|verwendet|braucht) man", r"wie (benutzt|verwendet) man",
]

# "Why" in each language: alone it is just conversation ("¿por qué no viniste?").
_WHY = [r"why", r"por que", r"pourquoi", r"warum", r"wieso", r"perche"]

# Words that turn a "why" into a question about the language.
_ABOUT_LANGUAGE = [
    r"grammar", r"gramatica", r"grammaire", r"grammatik", r"grammatica",
    r"rules?", r"reglas?", r"regles?", r"regras?", r"regeln?", r"regol[ae]",
    r"tenses?", r"tiempo verbal", r"temps verbal", r"tempo verbal", r"zeitform",
    r"verb\w*", r"articles?", r"articulos?", r"gender", r"genero", r"accents?", r"tilde",
    r"instead of", r"en vez de", r"en lugar de", r"au lieu de", r"em vez de", r"anstatt", r"invece di",
    r"se dice", r"do you say", r"does it say", r"is it said", r"on dit", r"sagt man", r"si dice",
]
# A quoted word or phrase ('fui', "iba", «hubiera»): the opening quote may not follow a letter (don't, John's).
_QUOTED = r"(?<!\w)['\"«“‘]\s?\w[\w -]*['\"»”’]"


def _whole_words(parts: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


_GRAMMAR_RE = _whole_words(_GRAMMAR_TERMS)
_EXPLAIN_RE = _whole_words(_EXPLAIN)
_CORRECTNESS_RE = _whole_words(_CORRECTNESS)
_WHY_RE = _whole_words(_WHY)
_ABOUT_LANGUAGE_RE = re.compile(_whole_words(_ABOUT_LANGUAGE).pattern + "|" + _QUOTED)


def needs_smart_tier(text: str) -> bool:
    """True when the message is a question about grammar that the cheap tier tends to get wrong."""
    folded = fold(text)
    if _GRAMMAR_RE.search(folded) or _EXPLAIN_RE.search(folded) or _CORRECTNESS_RE.search(folded):
        return True
    return bool(_WHY_RE.search(folded) and _ABOUT_LANGUAGE_RE.search(folded))
