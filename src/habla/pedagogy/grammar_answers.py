"""The answers to "show me the verb comer", "conjugate to be", "the articles": what the command handlers send.

The tables are built in a worker thread (the first table of a language loads its dictionary, ~1 s), sized
for a phone, with the tenses of the learner's level; the words around them are in the learner's native
language. Without a verb ("show me verbs") the learner is asked which one, with an example.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

from habla.domain.profile import Profile
from habla.pedagogy.tables import EXAMPLE_INFINITIVE, grammar_table, unknown_verb, verb_table
from habla.domain.text import in_language

_WHICH_VERB = {
    "en": "Which verb? Write for example: *show me the verb {example}*.",
    "es": "¿Qué verbo? Escribe por ejemplo: *el verbo {example}*.",
    "fr": "Quel verbe ? Écris par exemple : *le verbe {example}*.",
    "it": "Quale verbo? Scrivi per esempio: *il verbo {example}*.",
    "pt": "Que verbo? Escreve por exemplo: *o verbo {example}*.",
    "de": "Welches Verb? Schreib zum Beispiel: *show me the verb {example}*.",
    "ca": "Quin verb? Escriu per exemple: *el verb {example}*.",
    "ro": "Ce verb? Scrie de exemplu: *show me the verb {example}*.",
    "nl": "Welk werkwoord? Schrijf bijvoorbeeld: *show me the verb {example}*.",
}
_NO_SUCH_TABLE = {
    "en": "I have tables of *articles* and *pronouns* for this language.",
    "es": "Tengo tablas de *artículos* y *pronombres* para este idioma.",
    "fr": "J'ai des tableaux des *articles* et des *pronoms* pour cette langue.",
    "it": "Ho tabelle di *articoli* e *pronomi* per questa lingua.",
    "pt": "Tenho tabelas de *artigos* e *pronomes* para esta língua.",
    "de": "Für diese Sprache habe ich Tabellen der *Artikel* und *Pronomen*.",
    "ca": "Tinc taules d'*articles* i *pronoms* per a aquesta llengua.",
    "ro": "Am tabele cu *articole* și *pronume* pentru această limbă.",
    "nl": "Ik heb tabellen van *lidwoorden* en *voornaamwoorden* voor deze taal.",
}
_NO_TABLES = {
    "en": "I don't have grammar tables for this language yet.",
    "es": "Todavía no tengo tablas de gramática para este idioma.",
    "fr": "Je n'ai pas encore de tableaux de grammaire pour cette langue.",
    "it": "Non ho ancora tabelle di grammatica per questa lingua.",
    "pt": "Ainda não tenho tabelas de gramática para esta língua.",
    "de": "Für diese Sprache habe ich noch keine Grammatiktabellen.",
    "ca": "Encara no tinc taules de gramàtica per a aquesta llengua.",
    "ro": "Încă nu am tabele de gramatică pentru această limbă.",
    "nl": "Voor deze taal heb ik nog geen grammaticatabellen.",
}


def _line(table: dict[str, str], native: str, **values: str) -> str:
    return in_language(table, native, **values)


async def verb_answer(verb: str | None, profile: Profile, width: int = 30,
                      name_in_target: Callable[[str], Awaitable[list[str]]] | None = None) -> str:
    """The conjugation table of ``verb`` for this learner, or the line saying why there is none.
    ``name_in_target``: when the library does not know ``verb`` (named in another language, misspelt), the
    target-language infinitives it may mean (pedagogy/verb_names.py); each the library knows gets its table."""
    target, native = profile.target_language, profile.native_language
    if not verb or not verb.strip():
        if target not in EXAMPLE_INFINITIVE:
            return unknown_verb("", target, native)
        return _line(_WHICH_VERB, native, example=EXAMPLE_INFINITIVE[target])
    table = await asyncio.to_thread(verb_table, verb, target, profile.level, width)
    if table is not None:
        return table
    if name_in_target is not None and target in EXAMPLE_INFINITIVE:
        tables = []
        for infinitive in await name_in_target(verb):
            found = await asyncio.to_thread(verb_table, infinitive, target, profile.level, width)
            if found is not None and found not in tables:
                tables.append(found)
        if tables:
            return "\n\n".join(tables)
    return unknown_verb(verb, target, native)


async def table_answer(name: str | None, profile: Profile, width: int = 30) -> str:
    """"articles" or "pronouns" in the learner's target language."""
    target, native = profile.target_language, profile.native_language
    table = grammar_table(name or "", target, width)
    if table is not None:
        return table
    if grammar_table("articles", target) is None:
        return _line(_NO_TABLES, native)
    return _line(_NO_SUCH_TABLE, native)
