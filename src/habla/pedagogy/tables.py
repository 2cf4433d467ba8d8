"""Grammar tables as text: verb conjugations, articles and pronouns, in monospace that fits a phone.

    verb_table("comer", "es", "A2")        the tenses for the learner's level, one ``` block per tense
    verb_table("fui", "es", "B1")          inflected forms are lemmatised first (simplemma): ir / ser
    grammar_table("articles", "fr")        the closed sets in grammar_data.py
    unknown_verb("xyzzle", "en", "es")     the friendly line for a word the dictionary does not know

Every line inside the ``` fences is at most ``width`` characters (default 30: a phone held upright shows
about 30–35 monospace columns in WhatsApp). The forms come from the conjugation libraries
(habla.pedagogy.conjugation), never from the model. Which tenses a level sees is the plan there: A1 the
present; A2 + the spoken past / perfect; B1 + imperfect and future; B2 + conditional and subjunctive;
C1/C2 + past subjunctive, pluperfect and the literary past.

A tense's title (the verb and the tense's own name, bold) stands above its block, outside the fence, so a
long tense name wraps like text; each block is fenced on its own, so the chunker can cut between tenses and
every message still renders. Blocking (the first table of a language loads its dictionary): call it in a
thread.
"""

from __future__ import annotations

import itertools
import re

from habla.pedagogy.conjugation import LANGUAGES, Conjugation, TenseForms, conjugate
from habla.pedagogy.grammar_data import GRAMMAR_TABLES
from habla.domain.text import in_language

FENCE = "```"
MIN_WIDTH = 12  # narrower than this nothing readable fits: the width is raised to it
_WORDISH = re.compile(r"[^\W\d_]+(?:['’ -][^\W\d_]+)*", re.UNICODE)


def verb_table(verb: str, language: str, level: str, width: int = 30) -> str | None:
    """The conjugation of ``verb`` (an infinitive or any inflected form) for a learner at ``level``,
    or None when the library's dictionary has no such verb."""
    conjugation = find_verb(verb, language)
    if conjugation is None:
        return None
    width = max(width, MIN_WIDTH)
    blocks = [_tense_block(conjugation, tense, width) for tense in conjugation.up_to(level)]
    return "\n\n".join(blocks)


def find_verb(text: str, language: str) -> Conjugation | None:
    """The verb ``text`` names: as written ("comer", "levantarse", "to be"), else its lemma ("fui" → "ser",
    "went" → "go"), else None."""
    words = " ".join(_WORDISH.findall(text.strip().lower().replace("’", "'")))
    if not words or language not in LANGUAGES:
        return None
    found = conjugate(words, language)
    if found is not None:
        return found
    lemma = _lemma(words.removeprefix("to ") if language == "en" else words, language)
    return conjugate(lemma, language) if lemma and lemma != words else None


def grammar_table(name: str, language: str, width: int = 30) -> str | None:
    """"articles" or "pronouns" for ``language``, or None when there is no such table."""
    table = GRAMMAR_TABLES.get(name.strip().lower(), {}).get(language)
    if table is None:
        return None
    title, header, rows = table
    return f"*{title}*\n{fenced(grid(header, rows, max(width, MIN_WIDTH)))}"


def fenced(lines: list[str]) -> str:
    return "\n".join([FENCE, *lines, FENCE])


def _tense_block(conjugation: Conjugation, tense: TenseForms, width: int) -> str:
    return f"*{conjugation.infinitive}* · {tense.label}\n{fenced(verb_rows(tense.forms, width))}"


def verb_rows(forms: tuple[tuple[str, str], ...], width: int) -> list[str]:
    """Pronouns right-aligned, so every verb starts in one column (an elided pronoun, j'ai, keeps its
    apostrophe in that column); a verb too long for its line wraps under itself. When even a single word
    would not fit beside the pronouns, each row is written whole and wrapped, indented."""
    split = [_split(pronoun, form) for pronoun, form in forms]
    column = max((len(p) for p, _, _ in split), default=0) + 1
    if all(len(word) <= width - column for _, rest, _ in split for word in rest.split()):
        lines = []
        for pronoun, rest, spaced in split:
            head = (pronoun + (" " if spaced else "")).rjust(column)
            wrapped = wrap(rest, width - column)
            lines += [head + wrapped[0], *(" " * column + more for more in wrapped[1:])]
        return lines
    lines = []
    for _, form in forms:
        lines += wrap(form, width, indent=2)
    return lines


def _split(pronoun: str, form: str) -> tuple[str, str, bool]:
    """(pronoun as written, the rest, whether a space separates them)."""
    if pronoun and form.startswith(pronoun + " "):
        return pronoun, form[len(pronoun) + 1:], True
    if "'" in form.split(" ", 1)[0]:  # j'ai, j'étais, t'es: the pronoun is elided into the word
        head, _, tail = form.partition("'")
        return head + "'", tail, False
    return "", form, False


def grid(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...], width: int) -> list[str]:
    """A table whose cells wrap at spaces, with the column widths (between each column's longest word and
    its longest cell) that fit ``width`` in the fewest lines; when even the narrowest columns do not fit,
    each row is written as a small stack: its first cell, then the others indented with their header."""
    table = [header, *rows] if any(header) else list(rows)
    columns = range(len(header))
    natural = [max(len(row[i]) for row in table) for i in columns]
    floors = [max(len(word) for row in table for word in row[i].split() or [""]) for i in columns]
    gap = 2
    room = width - gap * (len(natural) - 1)
    best: tuple[int, list[int]] | None = None
    for widths in itertools.product(*(range(floors[i], natural[i] + 1) for i in columns)):
        if sum(widths) > room:
            continue
        height = sum(max(len(wrap(cell, widths[i])) for i, cell in enumerate(row)) for row in table)
        if best is None or height < best[0]:
            best = (height, list(widths))
    if best is None:
        return _stacked(header, rows, width)
    widths = best[1]
    lines = []
    for index, row in enumerate(table):
        cells = [wrap(cell, widths[i]) if cell else [""] for i, cell in enumerate(row)]
        for depth in range(max(len(c) for c in cells)):
            parts = [(c[depth] if depth < len(c) else "").ljust(widths[i]) for i, c in enumerate(cells)]
            lines.append((" " * gap).join(parts).rstrip())
        if index == 0 and any(header):
            lines.append("-" * (sum(widths) + gap * (len(widths) - 1)))
    return lines


def _stacked(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...], width: int) -> list[str]:
    lines: list[str] = []
    for row in rows:
        if lines:
            lines.append("")
        lines += wrap(row[0], width)
        for name, cell in zip(header[1:], row[1:]):
            if cell:
                lines += wrap(f"{name}: {cell}" if name else cell, width, indent=4, first_indent=2)
    return lines


def wrap(text: str, width: int, *, indent: int = 0, first_indent: int = 0) -> list[str]:
    """Greedy wrap at spaces: the first line indented by ``first_indent``, the others by ``indent``; a word
    longer than a whole line is cut."""
    lines: list[str] = []
    current = ""

    def prefix() -> str:
        return " " * (indent if lines else first_indent)

    for word in text.split():
        while word:
            room = width - len(prefix())
            if not current and len(word) > room:
                lines.append(prefix() + word[:room])
                word = word[room:]
            elif not current:
                current, word = word, ""
            elif len(current) + 1 + len(word) <= room:
                current, word = f"{current} {word}", ""
            else:
                lines.append(prefix() + current)
                current = ""
    if current or not lines:
        lines.append(prefix() + current)
    return lines


def _lemma(word: str, language: str) -> str | None:
    import simplemma

    try:
        return simplemma.lemmatize(word, lang=language)
    except ValueError:  # a language simplemma does not cover
        return None


# The learner's native language says what went wrong; the example infinitive is in the target language.
_UNKNOWN = {
    "en": "I don't know “{verb}” as a verb. Check the spelling, or send its infinitive, e.g. *{example}*.",
    "es": "No conozco «{verb}» como verbo. Revisa la ortografía o escribe el infinitivo, p. ej. *{example}*.",
    "fr": "Je ne connais pas « {verb} » comme verbe. Vérifie l'orthographe ou écris l'infinitif, p. ex. *{example}*.",
    "it": "Non conosco «{verb}» come verbo. Controlla l'ortografia o scrivi l'infinito, per es. *{example}*.",
    "pt": "Não conheço «{verb}» como verbo. Verifica a ortografia ou escreve o infinitivo, p. ex. *{example}*.",
    "de": "„{verb}“ kenne ich nicht als Verb. Prüf die Schreibweise oder schick den Infinitiv, z. B. *{example}*.",
    "ca": "No conec «{verb}» com a verb. Revisa l'ortografia o escriu l'infinitiu, p. ex. *{example}*.",
    "ro": "Nu cunosc „{verb}” ca verb. Verifică ortografia sau scrie infinitivul, de ex. *{example}*.",
    "nl": "Ik ken „{verb}” niet als werkwoord. Controleer de spelling of stuur de infinitief, bv. *{example}*.",
}
_NO_TABLES = {
    "en": "I can't show verb tables for this language yet.",
    "es": "Todavía no puedo mostrar tablas de verbos para este idioma.",
    "fr": "Je ne peux pas encore afficher de tableaux de verbes pour cette langue.",
    "it": "Non posso ancora mostrare tabelle dei verbi per questa lingua.",
    "pt": "Ainda não consigo mostrar tabelas de verbos para esta língua.",
    "de": "Für diese Sprache kann ich noch keine Verbtabellen zeigen.",
    "ca": "Encara no puc mostrar taules de verbs per a aquesta llengua.",
    "ro": "Încă nu pot afișa tabele de verbe pentru această limbă.",
    "nl": "Voor deze taal kan ik nog geen werkwoordtabellen laten zien.",
}
EXAMPLE_INFINITIVE = {"es": "comer", "fr": "manger", "it": "mangiare", "pt": "comer", "ro": "mânca",
                      "ca": "menjar", "en": "to go"}


def unknown_verb(verb: str, target: str, native: str) -> str:
    """The answer when ``verb`` is not a verb the library knows (or ``target`` has no conjugator here)."""
    if target not in LANGUAGES:
        return in_language(_NO_TABLES, native)
    shown = " ".join(verb.split())[:40] or "…"
    return in_language(_UNKNOWN, native, verb=shown, example=EXAMPLE_INFINITIVE[target])
