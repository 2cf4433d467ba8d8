"""What a learner asks the tutor for, read by cheap rules: "show me the verb comer", "mis errores",
"rappelle-moi à 8h", "più facile". Pure: text in, a ``Command`` (or None: conversation) out.

Rules match the WHOLE message (after politeness words and punctuation are set aside), in English, Spanish,
French, Italian, Portuguese and German, so a sentence that merely mentions verbs or words ("I like to show
my friends Spanish verbs") stays conversation: a missed command costs a rephrasing, a false one derails a
conversation. Accents are optional in the patterns (learners on phones skip them). What the rules miss may
go to the model's intent classification, but only when ``might_be_request`` says the message looks like one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field

from habla.domain.clock_times import clock_times, without_times
from habla.domain.text import fold

CommandKind = Literal[
    "verb", "table", "words", "mistakes", "progress", "remind", "stop_reminders",
    "easier", "harder", "gentler", "stricter", "explanations", "timezone", "help",
]
MAX_COMMAND_WORDS = 10  # a command is short; anything longer is conversation for the rules


class Command(BaseModel):
    kind: CommandKind
    verb: str | None = Field(default=None, max_length=60)  # "comer", "to be"; None: "show me verbs"
    table: Literal["articles", "pronouns"] | None = None
    times: list[str] = Field(default_factory=list, max_length=5)  # "HH:MM"
    language: str | None = Field(default=None, max_length=12)  # explanation language code
    place: str | None = Field(default=None, max_length=80)  # "London", "Nueva York": where the learner is


_ACCENTS = {"a": "aáàâäã", "e": "eéèêë", "i": "iíìîï", "o": "oóòôöõ", "u": "uúùûü", "c": "cç", "n": "nñ"}


def _accent_free(pattern: str) -> str:
    """Each plain vowel (and c, n) also matches its accented forms: patterns are written without accents."""
    out, in_name = [], False
    for index, ch in enumerate(pattern):
        if pattern.startswith("(?P<", index - 3) and ch == "<":
            in_name = True
        elif in_name and ch == ">":
            in_name = False
        out.append(f"[{_ACCENTS[ch]}]" if ch in _ACCENTS and not in_name else ch)
    return "".join(out)


_SHOW = ("(?:show me|show|give me|send me|list|let me see|can i see|muestrame|ensename|muestra|dame|quiero ver"
         "|montre moi|montre|affiche|donne moi|mostrami|fammi vedere|mostra|dammi|mostra me|me mostra|mostre"
         "|quero ver|zeig mir|zeige mir|zeig|gib mir) ")
_THE = "(?:(?:the|my|el|la|los|las|le|les|il|lo|gli|i|o|a|os|as|der|die|das|den|meine|mis|mes|miei|meus) )?"
_POLITE = re.compile(
    r"^(?:please|pls|can you|could you|por favor|puedes|podrias|s'il te plait|s'il vous plait|peux tu|per favore"
    r"|puoi|voce pode|podes|pode|bitte|kannst du|hey|ok|okay)\s+|\s+(?:please|pls|por favor|s'il te plait"
    r"|s'il vous plait|per favore|bitte|thanks|gracias|merci|grazie|obrigado|obrigada|danke)$"
)

_VERB_WORDS = "(?:verbs?|verbos?|verbes?|verbi|verben?)"
_CONJUGATE = "(?:conjugate|conjugation of|conjuga|conjugar|conjugacion de|conjugue|conjuguer|conjugaison de|coniuga" \
             "|coniugare|coniugazione di|conjugacao de|konjugiere|konjugieren|konjugation von)"
_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)?"
_VERB = rf"(?P<verb>(?:to )?{_WORD}(?: {_WORD})?)"  # "comer", "to be", "se lever"

_PHRASES: list[tuple[str, str]] = [
    ("verb", rf"(?:{_SHOW})?(?:me )?{_THE}{_VERB_WORDS}"),
    ("verb", rf"(?:{_SHOW})?(?:me )?{_THE}{_VERB_WORDS} {_VERB}"),
    ("verb", rf"{_CONJUGATE} (?:{_THE}{_VERB_WORDS} )?{_VERB}"),
    ("articles", rf"(?:{_SHOW})?(?:me )?{_THE}(?:articles|articulos|articoli|artigos|artikel)"),
    ("pronouns", rf"(?:{_SHOW})?(?:me )?{_THE}(?:pronouns|pronombres|pronoms|pronomi|pronomes|pronomen)"),
    ("words", rf"(?:{_SHOW})?(?:me )?(?:my|mis|mes|le mie|i miei|as minhas|minhas|meus|os meus|meine) (?:new |nuevas |"
              r"nouveaux )?(?:words|vocabulary|vocab|flashcards|cards|palabras|vocabulario|tarjetas|mots|vocabulaire"
              r"|parole|vocaboli|palavras|vocabulario|cartoes|worter|vokabeln|karten)"),
    ("mistakes", rf"(?:{_SHOW})?(?:me )?(?:my|mis|mes|i miei|os meus|meus|meine) (?:mistakes|errors|errores|fallos"
                 r"|erreurs|fautes|errori|erros|fehler)"),
    ("progress", rf"(?:{_SHOW})?(?:me )?(?:my|mi|mis|mes|ma|i miei|il mio|o meu|meu|os meus|meine|mein) (?:progress|stats"
                 r"|statistics|progreso|progresos|estadisticas|progres|progression|statistiques|progressi|statistiche"
                 r"|progresso|estatisticas|fortschritt|fortschritte|statistik)"),
    ("progress", r"(?:how am i doing|como voy|ou j'en suis|ou en suis je|come sto andando|como estou indo"
                 r"|wie stehe ich)"),
    ("stop_reminders", r"(?:stop|no more|turn off|cancel|disable|para|parar|quita|sin|no mas|desactiva|arrete|arreter"
                       r"|plus de|pas de|desactive|stop aux|basta|ferma|niente|disattiva|pare|sem|chega de|desativa"
                       r"|keine|stopp|stoppe) (?:the |my |los |mis |les |mes |i |os |meus |die |meine )?(?:daily )?"
                       r"(?:reminders?|recordatorios?|rappels?|promemoria|lembretes?|erinnerungen?)(?: mehr| aus)?"),
    ("stop_reminders", r"(?:erinnerungen|reminders) (?:aus|off|stoppen|beenden)"),
    ("easier", r"(?:(?:make it|be|a bit|a little) )*(?:easier|simpler)|(?:un poco )?mas (?:facil|sencillo)"
               r"|(?:un peu )?plus (?:facile|simple)|(?:un po )?piu (?:facile|semplice)|(?:um pouco )?mais (?:facil"
               r"|simples)|(?:etwas )?(?:einfacher|leichter)"),
    ("harder", r"(?:(?:make it|be|a bit|a little) )*(?:harder|more difficult|more challenging)|(?:un poco )?mas dificil"
               r"|(?:un peu )?plus difficile|(?:un po )?piu difficile|(?:um pouco )?mais dificil"
               r"|(?:etwas )?(?:schwieriger|schwerer|anspruchsvoller)"),
    ("gentler", r"(?:be )?(?:gentler|softer|less strict|fewer corrections|mas suave|menos estricto|menos estricta"
                r"|menos correcciones|plus doux|plus douce|moins strict|moins stricte|moins de corrections"
                r"|piu gentile|meno severo|meno severa|meno correzioni|mais suave|menos rigoroso|menos rigorosa"
                r"|menos correcoes|sanfter|weniger streng|weniger korrekturen)"),
    ("stricter", r"(?:be )?(?:stricter|more strict|correct everything|more corrections|mas estricto|mas estricta"
                 r"|corrige todo|mas correcciones|plus strict|plus stricte|corrige tout|plus de corrections"
                 r"|piu severo|piu severa|correggi tutto|piu correzioni|mais rigoroso|mais rigorosa|corrige tudo"
                 r"|mais correcoes|strenger|korrigiere alles|mehr korrekturen)"),
    ("explanations", r"(?:explanations?|explain|explain it|explicaciones|explicacion|explica|explicame"
                     r"|explications?|explique|spiegazioni|spiegazione|spiega|explicacoes|explicacao|explica"
                     r"|erklarungen|erklarung|erklare|erklar) (?:in|en|em|auf|sur) (?P<language>[^\W\d_]+)"),
    ("help", r"(?:help|commands|menu|what can you do|what can i ask|ayuda|comandos|que puedes hacer|aide|commandes"
             r"|que peux tu faire|que sais tu faire|aiuto|comandi|cosa puoi fare|ajuda|o que podes fazer"
             r"|o que voce pode fazer|o que voce faz|hilfe|befehle|was kannst du)"),
]
# "my time zone is London": always a time zone request, whatever follows (an unknown place gets a question)
_ZONE = (
    r"(?:(?:my|mi|mon|ma|il mio|o meu|meu|a minha|minha|meine) )?(?:time ?zone|zona horaria|huso horario"
    r"|fuseau horaire|fuso orario|fuso horario|zeitzone)(?: (?:is|es|est|e|ist|now|ahora|agora|jetzt))*"
    r" ?:? (?:(?:in|en|a|au|em|de|di) )?(?P<place>.+)"
)
_REMIND = (
    r"^(?:remind me|reminder|recuerdame|recordatorio|avisame|rappelle moi|rappel|ricordami|promemoria|lembra me"
    r"|lembre me|me lembre|me lembra|lembrete|erinnere mich|erinner mich|erinnerung)\b(?P<rest>.*)$"
)


# what may stand around the times in "remind me every day at 8 in the evening" (accents stripped on lookup)
_TIME_WORDS = (
    "at a an and or every each day daily in the morning evening afternoon night tonight o'clock please pls "
    "a las la y o cada dia todos los dias de tarde noche manana por favor "
    "à a et ou chaque jour tous les jours du soir matin l'apres midi le "
    "alle all' ad e o ogni giorno tutti i giorni di sera mattina del pomeriggio mattino per favore "
    "às as e ou todos os dias cada dia da tarde noite manha de "
    "um uhr und oder jeden tag taglich abends morgens am abend morgen nachmittags bitte"
)


@functools.lru_cache(maxsize=1)
def _time_words() -> frozenset[str]:
    return frozenset(fold(word) for word in _TIME_WORDS.split())


@functools.lru_cache(maxsize=1)
def _compiled() -> list[tuple[str, re.Pattern[str]]]:
    return [(kind, re.compile("^" + _accent_free(pattern) + "$")) for kind, pattern in _PHRASES]


@functools.lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(_accent_free(pattern))


def normalised(text: str) -> str:
    """Lower case, one space between words, no punctuation but what times and elisions need, no polite
    wrapping ("please", "por favor", "bitte")."""
    text = unicodedata.normalize("NFC", text).casefold().replace("’", "'")
    text = re.sub(r"[^\w\s:'.]", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # a full stop is punctuation; "7.30" is a time
    text = " ".join(text.split())
    previous = None
    while previous != text:
        previous, text = text, _POLITE.sub("", text).strip()
    return text


def parse(text: str) -> Command | None:
    """The command ``text`` is, or None when it is conversation (or nothing the rules know).

    "my time zone is London" is a command; "vivo en Madrid" / "I'm in London" is not, however much it
    tells us: it is what a learner writes when introducing themselves in the language they practise, and a
    command there would take their sentence away from the tutor."""
    norm = normalised(text or "")
    if not norm:
        return None
    remind = _regex(_REMIND).match(norm)
    if remind:  # may run longer ("a las 7:30 y a las 9 de la noche"): only time words may follow it
        if not {fold(word) for word in without_times(remind["rest"]).split()} <= _time_words():
            return None  # "remind me what we said": words a reminder time does not explain
        return Command(kind="remind", times=clock_times(remind["rest"])[:5])
    if len(norm.split()) > MAX_COMMAND_WORDS:
        return None
    zone = _regex(f"^{_ZONE}$").match(norm)
    if zone:
        return Command(kind="timezone", place=zone["place"][:80])
    for kind, pattern in _compiled():
        match = pattern.match(norm)
        if match is None:
            continue
        if kind in ("articles", "pronouns"):
            return Command(kind="table", table=kind)
        if kind == "verb":
            verb = match.groupdict().get("verb")
            return Command(kind="verb", verb=verb)
        if kind == "explanations":
            language = language_code(match["language"])
            if language is None:
                continue  # "explain in detail": not a language
            return Command(kind="explanations", language=language)
        return Command(kind=kind)
    return None


# nouns about the tutor itself: a short message with one of them, which the rules did not read, may be a
# request worded another way ("could I get a table for ser?"), so it is worth one classification call
_REQUEST_CUES = (
    r"\b(?:verb\w*|conjug\w*|koniug\w*|konjug\w*|coniug\w*|articles?|articulos?|articoli|artigos|artikel|pronoun\w*"
    r"|pronom\w*|pronomb\w*|flashcards?|vocab\w*|words|palabras|mots|parole|palavras|worter|mistakes?|errors?|errores|erreurs|errori|erros|fehler|progress\w*"
    r"|progres\w*|fortschritt\w*|streak|racha|serie|level|nivel|niveau|livello|stufe|remind\w*|recorda\w*|rappel\w*"
    r"|ricorda\w*|lembr\w*|erinner\w*|strict\w*|estrict\w*|severo|streng\w*|explanations?|explica\w*|spiega\w*"
    r"|erklar\w*|grammar|gramatica|grammaire|grammatica|grammatik)\b"
)


# how a request to the tutor opens (or a question mark): "can you…", "could I get…", "quiero…", "zeig…"
_ASKING = (
    r"^(?:can|could|would|will|show|give|send|list|tell|what|whats|what's|how|where|i want|i'd like|i would like"
    r"|puedes|podrias|me das|dame|muestra|quiero|me gustaria|que|cual|como|donde|peux|pourrais|montre|donne|je veux"
    r"|je voudrais|quel|quelle|comment|ou|puoi|potresti|mostra|dammi|voglio|vorrei|qual|come|dove|podes|pode"
    r"|poderia|mostra|quero|gostaria|o que|kannst|konntest|zeig|gib|ich mochte|ich will|was|wie|wo|welche)\b"
)


def might_be_request(text: str) -> bool:
    """Short, asking something, and about the tutor's features ("could I get the table for ser?"): worth
    asking the model whether it is a command. "I like to show my friends Spanish verbs" is not asking."""
    norm = normalised(text or "")
    if not norm or len(norm.split()) > 12 or _regex(_REQUEST_CUES).search(norm) is None:
        return False
    return "?" in (text or "") or len(norm.split()) <= 3 or _regex(_ASKING).match(norm) is not None


@functools.lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    """Language names as learners write them in the supported languages ("spanish", "espagnol", "spagnolo",
    "espanhol", "spanisch", "español") → code; from Babel's locale data, not a hand-written list."""
    from babel import Locale

    codes = ("en", "es", "fr", "it", "pt", "de", "ca", "ro", "nl")
    names: dict[str, str] = {}
    for display in codes:
        languages = Locale.parse(display).languages
        for code in codes:
            name = languages.get(code)
            if name:
                names[fold(name)] = code
    return names


def language_code(name: str) -> str | None:
    name = fold(name.strip())
    names = _language_names()
    if name in names:
        return name if name in names.values() else names[name]
    return name if name in names.values() else None
