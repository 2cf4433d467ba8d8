"""What onboarding says, in the learner's native language (en, es, fr, it, pt, de; English otherwise)."""

from __future__ import annotations

from habla.domain.text import in_language

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "languages": "By the way: you speak {native} and want to practise {target} — right?",
        "languages_ok": "Great: {target} it is, explained in {native}.",
        "placement": "Quick level check (say *skip* to skip), question {number}:",
        "right": "✅ Right!", "wrong": "❌ It's *{answer}*.",
        "placed": "Thanks! I'll start you at level *{level}* (say *easier* or *harder* any time).",
        "goals": "What do you want to use {target} for (travel, work, exams…)?",
        "interests": "What do you like talking about (hobbies, films, sport…)?",
        "reminder": "What time should I remind you to practise each day? (e.g. 8:00 — your time zone looks like {zone})",
        "reminder_ok": "Done: a reminder every day at {time} ({zone}).",
        "skipped": "No problem, let's just keep talking.",
        "yes": "Yes", "skip": "Skip",
    },
    "es": {
        "languages": "Por cierto: hablas {native} y quieres practicar {target}, ¿verdad?",
        "languages_ok": "¡Perfecto! Practicaremos {target}, con explicaciones en {native}.",
        "placement": "Prueba rápida de nivel (di *saltar* para saltarla), pregunta {number}:",
        "right": "✅ ¡Correcto!", "wrong": "❌ Es *{answer}*.",
        "placed": "¡Gracias! Empezamos en el nivel *{level}* (di *más fácil* o *más difícil* cuando quieras).",
        "goals": "¿Para qué quieres usar el {target} (viajes, trabajo, exámenes…)?",
        "interests": "¿De qué te gusta hablar (aficiones, cine, deporte…)?",
        "reminder": "¿A qué hora te recuerdo practicar cada día? (p. ej. 8:00; tu zona horaria parece {zone})",
        "reminder_ok": "Hecho: un recordatorio cada día a las {time} ({zone}).",
        "skipped": "Sin problema, sigamos hablando.",
        "yes": "Sí", "skip": "Saltar",
    },
    "fr": {
        "languages": "Au fait : vous parlez {native} et voulez pratiquer {target}, c'est bien ça ?",
        "languages_ok": "Parfait : on pratique {target}, avec des explications en {native}.",
        "placement": "Petit test de niveau (dites *passer* pour le passer), question {number} :",
        "right": "✅ Exact !", "wrong": "❌ C'est *{answer}*.",
        "placed": "Merci ! On commence au niveau *{level}* (dites *plus facile* ou *plus difficile* quand vous voulez).",
        "goals": "Pourquoi voulez-vous apprendre {target} (voyages, travail, examens…) ?",
        "interests": "De quoi aimez-vous parler (loisirs, films, sport…) ?",
        "reminder": "À quelle heure dois-je vous rappeler de pratiquer chaque jour ? (ex. 8:00 ; votre fuseau semble être {zone})",
        "reminder_ok": "C'est noté : un rappel chaque jour à {time} ({zone}).",
        "skipped": "Pas de souci, continuons à discuter.",
        "yes": "Oui", "skip": "Passer",
    },
    "it": {
        "languages": "A proposito: parli {native} e vuoi esercitarti in {target}, giusto?",
        "languages_ok": "Perfetto: ci esercitiamo in {target}, con spiegazioni in {native}.",
        "placement": "Piccolo test di livello (scrivi *salta* per saltarlo), domanda {number}:",
        "right": "✅ Giusto!", "wrong": "❌ È *{answer}*.",
        "placed": "Grazie! Iniziamo dal livello *{level}* (scrivi *più facile* o *più difficile* quando vuoi).",
        "goals": "Per cosa vuoi usare {target} (viaggi, lavoro, esami…)?",
        "interests": "Di cosa ti piace parlare (hobby, film, sport…)?",
        "reminder": "A che ora ti ricordo di esercitarti ogni giorno? (es. 8:00; il tuo fuso orario sembra {zone})",
        "reminder_ok": "Fatto: un promemoria ogni giorno alle {time} ({zone}).",
        "skipped": "Nessun problema, continuiamo a parlare.",
        "yes": "Sì", "skip": "Salta",
    },
    "pt": {
        "languages": "A propósito: você fala {native} e quer praticar {target}, certo?",
        "languages_ok": "Ótimo: vamos praticar {target}, com explicações em {native}.",
        "placement": "Teste rápido de nível (diga *pular* para pular), pergunta {number}:",
        "right": "✅ Certo!", "wrong": "❌ É *{answer}*.",
        "placed": "Obrigado! Vamos começar no nível *{level}* (diga *mais fácil* ou *mais difícil* quando quiser).",
        "goals": "Para que você quer usar o {target} (viagens, trabalho, provas…)?",
        "interests": "Sobre o que você gosta de conversar (hobbies, filmes, esporte…)?",
        "reminder": "A que horas devo lembrar você de praticar todo dia? (ex. 8:00; seu fuso horário parece {zone})",
        "reminder_ok": "Feito: um lembrete todo dia às {time} ({zone}).",
        "skipped": "Sem problema, vamos continuar conversando.",
        "yes": "Sim", "skip": "Pular",
    },
    "de": {
        "languages": "Übrigens: Du sprichst {native} und möchtest {target} üben, richtig?",
        "languages_ok": "Super: Wir üben {target}, mit Erklärungen auf {native}.",
        "placement": "Kurzer Einstufungstest (schreib *überspringen* zum Überspringen), Frage {number}:",
        "right": "✅ Richtig!", "wrong": "❌ Richtig ist *{answer}*.",
        "placed": "Danke! Wir beginnen auf Niveau *{level}* (sag jederzeit *leichter* oder *schwerer*).",
        "goals": "Wofür möchtest du {target} nutzen (Reisen, Arbeit, Prüfungen…)?",
        "interests": "Worüber sprichst du gern (Hobbys, Filme, Sport…)?",
        "reminder": "Um wie viel Uhr soll ich dich täglich ans Üben erinnern? (z. B. 8:00; deine Zeitzone scheint {zone} zu sein)",
        "reminder_ok": "Erledigt: jeden Tag eine Erinnerung um {time} ({zone}).",
        "skipped": "Kein Problem, reden wir einfach weiter.",
        "yes": "Ja", "skip": "Überspringen",
    },
}


def text(name: str, language: str, **values: object) -> str:
    # kept by language here (a translator works on one language's block), read through the one lookup
    return in_language({code: texts[name] for code, texts in _TEXT.items() if name in texts}, language, **values)
