"""How well and how cheaply the command rules read learners' requests, beside a bare baseline in the same run.

    python -m bench.commands [--runs 200]

- recognised: share of a labelled set of command phrasings (six languages, including wordings the rules do
  not know, which the model's classification is there for) that ``domain.commands.parse`` reads as the
  labelled command kind by rules alone;
- false_positives: how many of a set of ordinary learner messages (several naming verbs, words, mistakes or
  reminders) the rules take for a command (the goal is 0); ``gate_calls``: how many of them would still
  cost a classification call (``might_be_request``);
- parse_us / baseline_us: mean microseconds per message to classify with the rules, and for a bare
  ``str.casefold()`` + ``in`` check of a few keywords over the same inputs (the floor of any text check).

Prints one JSON line. No model, store or network is involved.
"""

from __future__ import annotations

import argparse
import json
import time

from habla.domain.commands import might_be_request, parse

LABELLED = [
    ("show me verbs", "verb"), ("show me the verb comer", "verb"), ("conjugate to be", "verb"),
    ("muéstrame el verbo tener", "verb"), ("conjugue le verbe finir", "verb"), ("coniuga il verbo avere", "verb"),
    ("konjugiere gehen", "verb"), ("o verbo fazer", "verb"), ("can you conjugate ir for me?", "verb"),
    ("the articles", "table"), ("los pronombres", "table"), ("les pronoms", "table"), ("die Artikel", "table"),
    ("show me my words", "words"), ("mis palabras", "words"), ("mes mots", "words"), ("le mie parole", "words"),
    ("as minhas palavras", "words"), ("meine Vokabeln", "words"), ("what words have I learned?", "words"),
    ("my mistakes", "mistakes"), ("mis errores", "mistakes"), ("mes fautes", "mistakes"), ("i miei errori", "mistakes"),
    ("os meus erros", "mistakes"), ("meine Fehler", "mistakes"), ("where do I go wrong most?", "mistakes"),
    ("my progress", "progress"), ("mi progreso", "progress"), ("¿cómo voy?", "progress"), ("mes progrès", "progress"),
    ("i miei progressi", "progress"), ("o meu progresso", "progress"), ("mein Fortschritt", "progress"),
    ("how many days in a row have I practised?", "progress"),
    ("remind me at 8", "remind"), ("remind me at 7:30 and 19:00", "remind"), ("recuérdame a las 8", "remind"),
    ("rappelle-moi à 8h", "remind"), ("ricordami alle 8", "remind"), ("lembra-me às 20h", "remind"),
    ("erinnere mich um 8 Uhr", "remind"), ("remind me at 8pm", "remind"), ("ping me every morning at 7", "remind"),
    ("stop reminders", "stop_reminders"), ("no más recordatorios", "stop_reminders"),
    ("arrête les rappels", "stop_reminders"), ("basta promemoria", "stop_reminders"),
    ("sem lembretes", "stop_reminders"), ("keine Erinnerungen mehr", "stop_reminders"),
    ("easier", "easier"), ("más fácil", "easier"), ("plus facile", "easier"), ("più facile", "easier"),
    ("mais fácil", "easier"), ("einfacher", "easier"), ("this is too hard for me", "easier"),
    ("harder", "harder"), ("más difícil", "harder"), ("plus difficile", "harder"), ("schwieriger", "harder"),
    ("gentler", "gentler"), ("menos correcciones", "gentler"), ("moins strict", "gentler"),
    ("stricter", "stricter"), ("corrige todo", "stricter"), ("korrigiere alles", "stricter"),
    ("explanations in Spanish", "explanations"), ("explicaciones en inglés", "explanations"),
    ("explications en anglais", "explanations"), ("spiegazioni in inglese", "explanations"),
    ("help", "help"), ("ayuda", "help"), ("aide", "help"), ("aiuto", "help"), ("ajuda", "help"), ("Hilfe", "help"),
]
ORDINARY = [
    "I like to show my friends Spanish verbs", "Hola, ¿qué tal?", "Ayer comí en la playa con mis amigos.",
    "My words are not enough to thank you", "Los verbos irregulares son difíciles", "Je dois apprendre mes mots",
    "Mi hermano siempre me ayuda con los deberes", "explain in detail", "Fácil", "Stop!", "Remind me what we said",
    "Mis errores de ayer fueron muchos", "Yes", "Vale", "Merci beaucoup !", "Oggi fa molto caldo a Roma",
    "Eu gosto de aprender verbos novos", "Ich habe heute viele Fehler gemacht", "What time is it in Madrid?",
    "I woke up at 8 and went to work", "¿Me ayudas con un correo para mi jefe?", "Can you help me with my homework?",
    "¿Qué significa 'madrugar'?", "Estoy cansado", "Tengo que hablar con mi madre a las 8",
    "The articles in this newspaper are long", "Ma progression en espagnol est lente", "Perfecto, gracias",
    "No entiendo la diferencia entre ser y estar", "¿Cuál es el pasado de ir?",
]
KEYWORDS = ("verb", "words", "mistakes", "progress", "remind", "easier", "harder", "help")


def _baseline(text: str) -> bool:
    folded = text.casefold()
    return any(keyword in folded for keyword in KEYWORDS)


def _mean_us(work, inputs: list[str], runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        for text in inputs:
            work(text)
    return round((time.perf_counter() - started) / (runs * len(inputs)) * 1e6, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    runs = parser.parse_args().runs
    inputs = [text for text, _ in LABELLED] + ORDINARY
    parse(inputs[0])  # compile the patterns before timing
    recognised = sum(1 for text, kind in LABELLED if (command := parse(text)) is not None and command.kind == kind)
    false_positives = [text for text in ORDINARY if parse(text) is not None]
    missed = [text for text, kind in LABELLED if (command := parse(text)) is None or command.kind != kind]
    print(json.dumps({
        "labelled": len(LABELLED),
        "recognised_share": round(recognised / len(LABELLED), 3),
        "missed_by_rules": missed,
        "missed_gated_for_model": sum(1 for text in missed if might_be_request(text)),
        "ordinary": len(ORDINARY),
        "false_positives": len(false_positives),
        "false_positive_texts": false_positives,
        "gate_calls": sum(1 for text in ORDINARY if might_be_request(text)),
        "parse_us": _mean_us(parse, inputs, runs),
        "baseline_us": _mean_us(_baseline, inputs, runs),
        "runs": runs,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
