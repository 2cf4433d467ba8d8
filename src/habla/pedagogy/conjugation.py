"""Verb conjugations from the conjugation libraries, never from a model's memory.

Which library, and why:

- **verbecc** (2.x) for Spanish, French, Italian, Portuguese, Romanian and Catalan. Its dictionaries
  (Verbiste-format XML, ~11,000 Spanish verbs) conjugate every mood and tense with pronouns, compound tenses
  with the right auxiliary, and reflexive verbs ("levantarse" → "yo me levanto", "se lever" → "je me lève"),
  which verbecc 1.x and mlconjug3 do not do for Spanish. For words missing from its dictionaries it can
  *predict* a conjugation template with a scikit-learn model that it trains on first use and saves beside
  the package. We switch that off (its own ``ENABLE_ML_PREDICTION`` setting): a learner who asks for a word
  that is not in the dictionary ("blorpar", a typo) is told so rather than given invented forms, and so the
  model is never needed. Measured here, training took 47 s for Spanish (an 87 MB file), 12 s for French
  and over 8 minutes for Italian on the shared 2 cores; loading a trained model still cost ~1 s per
  language. Without it nothing is trained, at install or at a learner's first table: a language loads
  its dictionary in about a second. (``python -m habla.pedagogy.conjugation``, which install.sh runs,
  checks that every language loads.)
- **mlconjug3** (4.x) for English, which verbecc lacks. Its pre-trained models are pickles that today's
  scikit-learn cannot load (both 3.7 and 4.0 fail to unpickle), so only its Verbiste dictionary of 4,703
  English verbs is used, through its own ``Verbiste`` and ``VerbEn`` classes: exactly the path its
  ``Conjugator`` takes for a known verb. English compound tenses are the library's forms of *have* / *be*
  and the verb's participle or gerund; *will* and *would* are the invariable modals.

Both packages pin exact numpy/scipy/scikit-learn versions (or numpy < 2) that are older than the ones
Habla runs; they work with the newer ones, so ``scripts/install.sh`` installs them without their pins and
pyproject.toml lists what they import. verbecc also configures logging when imported (a stdout handler on
the root logger and a ``verbecc.log`` in the working directory); ``_import_verbecc`` keeps Habla's logging.

Everything here is blocking (the first use of a language loads its dictionary, ~1 s): call it in a thread.
"""

from __future__ import annotations

import contextlib
import logging
import logging.config
import threading
from dataclasses import dataclass
from functools import lru_cache

from habla.domain.text import fold

log = logging.getLogger(__name__)

VERBECC_LANGUAGES = ("es", "fr", "it", "pt", "ro", "ca")
LANGUAGES = VERBECC_LANGUAGES + ("en",)
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


@dataclass(frozen=True)
class TenseForms:
    key: str  # the level plan's name for it: present, past, perfect, imperfect, future, conditional, …
    label: str  # the tense as the language names it ("pretérito perfecto simple", "passé composé")
    level: str  # the CEFR level from which a table shows it
    forms: tuple[tuple[str, str], ...]  # (pronoun, full form with the pronoun as the library writes it)


@dataclass(frozen=True)
class Conjugation:
    infinitive: str
    language: str
    tenses: tuple[TenseForms, ...]

    def up_to(self, level: str) -> tuple[TenseForms, ...]:
        """The tenses a learner at ``level`` is shown (unknown levels count as A2, the profile's default)."""
        rank = LEVELS.index(level) if level in LEVELS else 1
        return tuple(t for t in self.tenses if LEVELS.index(t.level) <= rank)


# (key, level, mood, tense) in verbecc's own names, in teaching order. A1: the present; A2: the spoken
# past (and the perfect where it is a separate tense); B1: imperfect and future; B2: conditional and
# present subjunctive; C1: the past subjunctive and the pluperfect.
VERBECC_PLAN: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "es": (("present", "A1", "indicativo", "presente"),
           ("past", "A2", "indicativo", "pretérito-perfecto-simple"),
           ("perfect", "A2", "indicativo", "pretérito-perfecto-compuesto"),
           ("imperfect", "B1", "indicativo", "pretérito-imperfecto"),
           ("future", "B1", "indicativo", "futuro"),
           ("conditional", "B2", "condicional", "presente"),
           ("subjunctive", "B2", "subjuntivo", "presente"),
           ("past subjunctive", "C1", "subjuntivo", "pretérito-imperfecto-1"),
           ("pluperfect", "C1", "indicativo", "pretérito-pluscuamperfecto")),
    "fr": (("present", "A1", "indicatif", "présent"),
           ("perfect", "A2", "indicatif", "passé-composé"),
           ("imperfect", "B1", "indicatif", "imparfait"),
           ("future", "B1", "indicatif", "futur-simple"),
           ("conditional", "B2", "conditionnel", "présent"),
           ("subjunctive", "B2", "subjonctif", "présent"),
           ("pluperfect", "C1", "indicatif", "plus-que-parfait"),
           ("past", "C1", "indicatif", "passé-simple")),
    "it": (("present", "A1", "indicativo", "presente"),
           ("perfect", "A2", "indicativo", "passato-prossimo"),
           ("imperfect", "B1", "indicativo", "imperfetto"),
           ("future", "B1", "indicativo", "futuro"),
           ("conditional", "B2", "condizionale", "presente"),
           ("subjunctive", "B2", "congiuntivo", "presente"),
           ("pluperfect", "C1", "indicativo", "trapassato-prossimo"),
           ("past", "C1", "indicativo", "passato-remoto")),
    "pt": (("present", "A1", "indicativo", "presente"),
           ("past", "A2", "indicativo", "pretérito-perfeito"),
           ("imperfect", "B1", "indicativo", "pretérito-imperfeito"),
           ("future", "B1", "indicativo", "futuro-do-presente"),
           ("conditional", "B2", "indicativo", "futuro-do-pretérito"),
           ("conditional", "B2", "condicional", "futuro-do-pretérito"),
           ("subjunctive", "B2", "subjuntivo", "presente"),
           ("pluperfect", "C1", "indicativo", "pretérito-mais-que-perfeito")),
    "ro": (("present", "A1", "indicativ", "prezent"),
           ("perfect", "A2", "indicativ", "perfect-compus"),
           ("imperfect", "B1", "indicativ", "imperfect"),
           ("future", "B1", "indicativ", "viitor-1"),
           ("subjunctive", "B2", "conjunctiv", "prezent"),
           ("conditional", "B2", "condițional", "prezent"),
           ("pluperfect", "C1", "indicativ", "mai-mult-ca-perfect")),
    "ca": (("present", "A1", "indicatiu", "present"),
           # the spoken past (vaig menjar, periphrastic) is not in verbecc's data: its simple past stands in
           ("past", "A2", "indicatiu", "passat-simple"),
           ("imperfect", "B1", "indicatiu", "imperfet"),
           ("future", "B1", "indicatiu", "futur"),
           ("conditional", "B2", "condicional", "present"),
           ("subjunctive", "B2", "subjuntiu", "present"),
           ("past subjunctive", "C1", "subjuntiu", "imperfet")),
}

# English subject pronouns by mlconjug3's person keys (he stands for he / she / it, as grammars print it).
ENGLISH_PRONOUNS = {"1s": "I", "2s": "you", "3s": "he", "1p": "we", "2p": "you", "3p": "they"}

_lock = threading.Lock()


def conjugate(verb: str, language: str) -> Conjugation | None:
    """The conjugation of ``verb`` (its infinitive, as the dictionary knows it) or None when the library's
    dictionary does not have it (or the language has no conjugator here)."""
    verb = " ".join(verb.strip().lower().split())
    if not verb or len(verb) > 40:
        return None
    if language == "en":
        return _english(verb.removeprefix("to ").strip())
    if language in VERBECC_LANGUAGES:
        return _romance(verb, language)
    return None


# -- verbecc ---------------------------------------------------------------------------------------------


def _romance(verb: str, language: str) -> Conjugation | None:
    conjugator = _verbecc(language)
    from verbecc import ConjugatorError, VerbNotFoundError

    try:
        with _lock:  # the library keeps per-call state on the conjugator
            result = conjugator.conjugate(verb)
    except (ConjugatorError, VerbNotFoundError, KeyError, ValueError):
        return None
    if result.get_verb_info().predicted:
        return None  # not in the dictionary: the forms would be the model's guess
    data = result.get_data()
    moods = data.moods if hasattr(data, "moods") else data["moods"]
    tenses = []
    for key, level, mood, tense in VERBECC_PLAN[language]:
        entries = _lookup(moods, mood, tense)
        if entries:
            tenses.append(TenseForms(key, _label(mood, tense, language), level, _one_per_person(entries)))
    if not tenses:
        return None
    return Conjugation(_infinitive(verb, result.get_verb_info().infinitive), language, tuple(tenses))


def _lookup(moods, mood: str, tense: str):
    for mood_name, tenses in moods.items():
        if str(mood_name) == mood:
            for tense_name, entries in tenses.items():
                if str(tense_name) == tense:
                    return entries
    return None


def _one_per_person(entries) -> tuple[tuple[str, str], ...]:
    """One form for each (person, number), as textbooks print them: yo, tú, él, nosotros, vosotros, ellos.
    The library also lists vos, ella, usted, ellas, ustedes and feminine participles ("je me suis levée"):
    the first masculine (or genderless) entry of each person is kept, in the library's order."""
    chosen: dict[tuple, tuple[str, str, bool]] = {}
    for entry in entries:
        person = (_field(entry, "p", "person"), _field(entry, "n", "number"))
        forms = _field(entry, "c", "conjugations") or []
        feminine = str(_field(entry, "g", "gender") or "") == "f"
        if not forms or (person in chosen and (feminine or not chosen[person][2])):
            continue
        chosen[person] = (str(_field(entry, "pr", "pronoun") or ""), forms[0], feminine)
    return tuple((pronoun, form) for pronoun, form, _ in chosen.values())


def _field(entry, short: str, long: str):
    if isinstance(entry, dict):
        return entry.get(short, entry.get(long))
    return getattr(entry, long, getattr(entry, short, None))


def _label(mood: str, tense: str, language: str) -> str:
    indicative = {"es": "indicativo", "fr": "indicatif", "it": "indicativo", "pt": "indicativo",
                  "ro": "indicativ", "ca": "indicatiu"}[language]
    name = tense.replace("-", " ")
    return name if mood == indicative else f"{mood} {name}"


def _infinitive(asked: str, found: str) -> str:
    """The dictionary's spelling ("sonreir" → "sonreír"), but the reflexive as asked ("levantarse": the
    library looks up "levantar" and adds the pronouns itself)."""
    return found if fold(asked) == fold(found) else asked




@lru_cache(maxsize=None)
def _verbecc(language: str):
    with _lock:
        CompleteConjugator, Lang = _import_verbecc()
        return CompleteConjugator(Lang(language))


def _import_verbecc():
    with _library_logging_left_alone():
        from verbecc import CompleteConjugator, LangCodeISO639_1

    from verbecc.src.defs.types.data import verbs

    logging.getLogger("verbecc").setLevel(logging.WARNING)  # its INFO lines describe its own config
    # No template prediction for unknown verbs (see the module docstring): the dictionary answers, or
    # VerbNotFoundError does. verbecc reads this setting from its packaged YAML into this object.
    verbs.config.ENABLE_ML_PREDICTION = False
    return CompleteConjugator, LangCodeISO639_1


@contextlib.contextmanager
def _library_logging_left_alone():
    """verbecc calls logging.config.dictConfig when imported: it would replace the root logger's handlers
    and level and open ``verbecc.log`` in the working directory. Habla owns logging, so that call is
    skipped while verbecc imports (its loggers then propagate to Habla's handlers like any library's)."""
    original = logging.config.dictConfig
    logging.config.dictConfig = lambda config: None
    try:
        yield
    finally:
        logging.config.dictConfig = original


# -- mlconjug3 (English) ---------------------------------------------------------------------------------


def _english(verb: str) -> Conjugation | None:
    dictionary = _english_dictionary()
    if verb not in dictionary.verbs:
        return None
    forms = _english_forms(verb)
    if forms is None:
        return None
    have, be = _english_forms("have"), _english_forms("be")
    present, past = forms["indicative present"], forms["indicative past tense"]
    participle = forms["indicative present perfect"]["1s"]
    gerund = forms["indicative present continuous"]["1s"]

    def tense(key: str, label: str, level: str, make) -> TenseForms:
        return TenseForms(key, label, level, tuple((ENGLISH_PRONOUNS[p], f"{ENGLISH_PRONOUNS[p]} {make(p)}")
                                                   for p in ENGLISH_PRONOUNS))

    return Conjugation(verb, "en", (
        tense("present", "present simple", "A1", lambda p: present[p]),
        tense("past", "past simple", "A2", lambda p: past[p]),
        tense("perfect", "present perfect", "A2", lambda p: f"{have['indicative present'][p]} {participle}"),
        tense("continuous", "present continuous", "A2", lambda p: f"{be['indicative present'][p]} {gerund}"),
        tense("future", "future (will)", "B1", lambda p: f"will {verb}"),
        tense("past continuous", "past continuous", "B1", lambda p: f"{be['indicative past tense'][p]} {gerund}"),
        tense("conditional", "conditional (would)", "B2", lambda p: f"would {verb}"),
        tense("pluperfect", "past perfect", "B2", lambda p: f"{have['indicative past tense'][p]} {participle}"),
    ))


def _english_forms(verb: str) -> dict[str, dict[str, str]] | None:
    from mlconjug3.verbs import VerbEn

    dictionary = _english_dictionary()
    info = dictionary.get_verb_info(verb)
    conjugations = dictionary.get_conjug_info(info.template) if info is not None else None
    if info is None or conjugations is None:
        return None
    indicative = VerbEn(info, conjugations, "abbrev").conjug_info["indicative"]
    return {name: dict(persons) for name, persons in indicative.items()}


@lru_cache(maxsize=1)
def _english_dictionary():
    from mlconjug3 import Verbiste

    return Verbiste(language="en")


# -- install-time check ----------------------------------------------------------------------------------


def warm(languages: tuple[str, ...] = LANGUAGES) -> None:
    """Load every language's dictionary once (install.sh runs this: a broken install fails there, not at a
    learner's first table; the tests' set-up calls it too)."""
    for language in languages:
        if language == "en":
            _english_dictionary()
        else:
            _verbecc(language)


if __name__ == "__main__":  # scripts/install.sh: python -m habla.pedagogy.conjugation
    import sys
    import time

    started = time.monotonic()
    warm(tuple(sys.argv[1:]) or LANGUAGES)
    for language, verb in (("es", "ser"), ("en", "be")):
        if conjugate(verb, language) is None:
            sys.exit(f"the conjugation library cannot conjugate {verb!r} ({language}): reinstall it")
    print(f"conjugation libraries ready ({time.monotonic() - started:.1f} s)", file=sys.stderr)
