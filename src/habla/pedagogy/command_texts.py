"""What the command answers say, in the learner's native language (en, es, fr, it, pt, de; English otherwise).

The help text names billing and privacy commands as the earlier steps of the pipeline read them (English
and Spanish phrasings), so every line it shows works."""

from __future__ import annotations

from habla.domain.text import in_language

_TEXTS: dict[str, dict[str, str]] = {
    "reminders_set": {
        "en": "⏰ Done: I'll remind you every day at {times}.", "es": "⏰ Hecho: te lo recordaré cada día a las {times}.",
        "fr": "⏰ C'est noté : je te le rappellerai chaque jour à {times}.",
        "it": "⏰ Fatto: te lo ricorderò ogni giorno alle {times}.", "pt": "⏰ Feito: vou lembrar-te todos os dias às {times}.",
        "de": "⏰ Erledigt: Ich erinnere dich jeden Tag um {times}.",
    },
    "reminder_which_time": {
        "en": "At what time? Write for example: *remind me at 8* or *remind me at 19:30*.",
        "es": "¿A qué hora? Escribe por ejemplo: *recuérdame a las 8* o *recuérdame a las 19:30*.",
        "fr": "À quelle heure ? Écris par exemple : *rappelle-moi à 8h* ou *rappelle-moi à 19h30*.",
        "it": "A che ora? Scrivi per esempio: *ricordami alle 8* o *ricordami alle 19:30*.",
        "pt": "A que horas? Escreve por exemplo: *lembra-me às 8* ou *lembra-me às 19:30*.",
        "de": "Um wie viel Uhr? Schreib zum Beispiel: *erinnere mich um 8 Uhr* oder *erinnere mich um 19:30*.",
    },
    "reminders_stopped": {
        "en": "🔕 Reminders are off. Write *remind me at 8* to turn them back on.",
        "es": "🔕 Recordatorios desactivados. Escribe *recuérdame a las 8* para volver a activarlos.",
        "fr": "🔕 Rappels désactivés. Écris *rappelle-moi à 8h* pour les réactiver.",
        "it": "🔕 Promemoria disattivati. Scrivi *ricordami alle 8* per riattivarli.",
        "pt": "🔕 Lembretes desativados. Escreve *lembra-me às 8* para os voltar a ativar.",
        "de": "🔕 Erinnerungen sind aus. Schreib *erinnere mich um 8 Uhr*, um sie wieder einzuschalten.",
    },
    "level_now": {
        "en": "OK: from now on I'll pitch things at level *{level}*.", "es": "De acuerdo: a partir de ahora te hablo a nivel *{level}*.",
        "fr": "D'accord : à partir de maintenant je parle au niveau *{level}*.", "it": "Va bene: da ora in poi parlo a livello *{level}*.",
        "pt": "Combinado: a partir de agora falo ao nível *{level}*.", "de": "Alles klar: Ab jetzt spreche ich auf Niveau *{level}*.",
    },
    "level_limit": {
        "en": "You're already at level *{level}*, the end of the scale.", "es": "Ya estás en el nivel *{level}*, el extremo de la escala.",
        "fr": "Tu es déjà au niveau *{level}*, au bout de l'échelle.", "it": "Sei già al livello *{level}*, l'estremo della scala.",
        "pt": "Já estás no nível *{level}*, o extremo da escala.", "de": "Du bist schon auf Niveau *{level}*, am Ende der Skala.",
    },
    "strictness_gentle": {
        "en": "OK, gentler: I'll only correct mistakes that get in the way of meaning.",
        "es": "Vale, más suave: solo corregiré los errores que impiden entender.",
        "fr": "D'accord, plus doux : je ne corrigerai que les erreurs qui gênent la compréhension.",
        "it": "Va bene, più gentile: correggerò solo gli errori che impediscono di capire.",
        "pt": "Está bem, mais suave: só corrijo os erros que impedem de perceber.",
        "de": "Okay, sanfter: Ich korrigiere nur Fehler, die das Verständnis stören.",
    },
    "strictness_normal": {
        "en": "OK: I'll correct the mistakes that matter, not every slip.", "es": "Vale: corregiré los errores importantes, no cada despiste.",
        "fr": "D'accord : je corrigerai les erreurs importantes, pas chaque petite faute.",
        "it": "Va bene: correggerò gli errori importanti, non ogni svista.",
        "pt": "Está bem: corrijo os erros importantes, não cada deslize.",
        "de": "Okay: Ich korrigiere die wichtigen Fehler, nicht jeden Ausrutscher.",
    },
    "strictness_strict": {
        "en": "OK, stricter: I'll correct every mistake, even small ones.", "es": "Vale, más estricto: corregiré todos los errores, hasta los pequeños.",
        "fr": "D'accord, plus strict : je corrigerai toutes les erreurs, même les petites.",
        "it": "Va bene, più severo: correggerò ogni errore, anche i piccoli.",
        "pt": "Está bem, mais rigoroso: corrijo todos os erros, até os pequenos.",
        "de": "Okay, strenger: Ich korrigiere jeden Fehler, auch die kleinen.",
    },
    "strictness_limit": {
        "en": "That's already the setting.", "es": "Ya está así.", "fr": "C'est déjà le réglage.",
        "it": "È già così.", "pt": "Já está assim.", "de": "Das ist schon so eingestellt.",
    },
    "explanations_set": {
        "en": "OK: explanations in {language} from now on.", "es": "Vale: a partir de ahora, explicaciones en {language}.",
        "fr": "D'accord : désormais, les explications en {language}.", "it": "Va bene: d'ora in poi spiegazioni in {language}.",
        "pt": "Está bem: a partir de agora, explicações em {language}.", "de": "Okay: Erklärungen ab jetzt auf {language}.",
    },
    "mistakes_none": {
        "en": "No corrections recorded yet. Keep writing and I'll keep count!",
        "es": "Todavía no hay correcciones guardadas. ¡Sigue escribiendo y yo llevo la cuenta!",
        "fr": "Aucune correction enregistrée pour l'instant. Continue d'écrire, je tiens les comptes !",
        "it": "Ancora nessuna correzione registrata. Continua a scrivere e io tengo il conto!",
        "pt": "Ainda não há correções guardadas. Continua a escrever que eu faço as contas!",
        "de": "Noch keine Korrekturen gespeichert. Schreib weiter, ich zähle mit!",
    },
    "mistakes_title": {
        "en": "Your mistakes by kind:", "es": "Tus errores por tipo:", "fr": "Tes erreurs par type :",
        "it": "I tuoi errori per tipo:", "pt": "Os teus erros por tipo:", "de": "Deine Fehler nach Art:",
    },
    "progress_title": {
        "en": "📈 Your progress", "es": "📈 Tu progreso", "fr": "📈 Tes progrès", "it": "📈 I tuoi progressi",
        "pt": "📈 O teu progresso", "de": "📈 Dein Fortschritt",
    },
    "progress_streak": {
        "en": "🔥 Streak: {days} day(s) in a row", "es": "🔥 Racha: {days} día(s) seguidos", "fr": "🔥 Série : {days} jour(s) d'affilée",
        "it": "🔥 Serie: {days} giorno/i di fila", "pt": "🔥 Sequência: {days} dia(s) seguidos", "de": "🔥 Serie: {days} Tag(e) in Folge",
    },
    "progress_words": {
        "en": "📝 Words learned: {count}", "es": "📝 Palabras aprendidas: {count}", "fr": "📝 Mots appris : {count}",
        "it": "📝 Parole imparate: {count}", "pt": "📝 Palavras aprendidas: {count}", "de": "📝 Gelernte Wörter: {count}",
    },
    "progress_level": {
        "en": "🎯 Level: {history}", "es": "🎯 Nivel: {history}", "fr": "🎯 Niveau : {history}",
        "it": "🎯 Livello: {history}", "pt": "🎯 Nível: {history}", "de": "🎯 Niveau: {history}",
    },
    "progress_trends": {
        "en": "Mistakes this week vs the week before:", "es": "Errores esta semana frente a la anterior:",
        "fr": "Erreurs cette semaine par rapport à la précédente :", "it": "Errori questa settimana rispetto alla precedente:",
        "pt": "Erros esta semana comparados com a anterior:", "de": "Fehler diese Woche im Vergleich zur Vorwoche:",
    },
    "timezone_set": {
        "en": "🕐 Got it: your time zone is {zone} (it's {time} there now). Reminders follow its clock.",
        "es": "🕐 Entendido: tu zona horaria es {zone} (allí son las {time}). Los recordatorios siguen su hora.",
        "fr": "🕐 C'est noté : ton fuseau horaire est {zone} (il est {time} là-bas). Les rappels suivent son heure.",
        "it": "🕐 Ricevuto: il tuo fuso orario è {zone} (lì sono le {time}). I promemoria seguono la sua ora.",
        "pt": "🕐 Entendido: o teu fuso horário é {zone} (lá são {time}). Os lembretes seguem a sua hora.",
        "de": "🕐 Alles klar: Deine Zeitzone ist {zone} (dort ist es jetzt {time}). Erinnerungen richten sich danach.",
    },
    "timezone_city": {
        "en": "{place} has more than one time zone: which city are you in? (e.g. *my time zone is Madrid*)",
        "es": "{place} tiene más de una zona horaria: ¿en qué ciudad estás? (p. ej. *mi zona horaria es Madrid*)",
        "fr": "{place} a plusieurs fuseaux horaires : dans quelle ville es-tu ? (par ex. *mon fuseau horaire est Paris*)",
        "it": "{place} ha più di un fuso orario: in che città sei? (per es. *il mio fuso orario è Roma*)",
        "pt": "{place} tem mais de um fuso horário: em que cidade estás? (por ex. *o meu fuso horário é Lisboa*)",
        "de": "{place} hat mehr als eine Zeitzone: In welcher Stadt bist du? (z. B. *meine Zeitzone ist Berlin*)",
    },
    "timezone_which": {
        "en": "Which city are you in? Write for example *my time zone is London* and reminders will follow its clock.",
        "es": "¿En qué ciudad estás? Escribe por ejemplo *mi zona horaria es Madrid* y los recordatorios seguirán su hora.",
        "fr": "Dans quelle ville es-tu ? Écris par exemple *mon fuseau horaire est Paris* et les rappels suivront son heure.",
        "it": "In che città sei? Scrivi per esempio *il mio fuso orario è Roma* e i promemoria seguiranno la sua ora.",
        "pt": "Em que cidade estás? Escreve por exemplo *o meu fuso horário é Lisboa* e os lembretes seguirão a sua hora.",
        "de": "In welcher Stadt bist du? Schreib zum Beispiel *meine Zeitzone ist Berlin*, dann richten sich die Erinnerungen danach.",
    },
    "help": {
        "en": "You can ask me, in any words:\n• *show me the verb comer* · *the articles* · *the pronouns*\n• *show me my words* · *my mistakes* · *my progress*\n• *remind me at 8* · *stop reminders* · *my time zone is London*\n• *easier* · *harder* · *gentler* · *stricter*\n• *explanations in Spanish*\n• *cancel* (subscription) · *export my data* · *delete my data*",
        "es": "Puedes pedirme, con tus palabras:\n• *el verbo comer* · *los artículos* · *los pronombres*\n• *mis palabras* · *mis errores* · *mi progreso*\n• *recuérdame a las 8* · *no más recordatorios* · *mi zona horaria es Madrid*\n• *más fácil* · *más difícil* · *más suave* · *más estricto*\n• *explicaciones en inglés*\n• *cancelar* (suscripción) · *exportar mis datos* · *borrar mis datos*",
        "fr": "Tu peux me demander, avec tes mots :\n• *le verbe aller* · *les articles* · *les pronoms*\n• *mes mots* · *mes erreurs* · *mes progrès*\n• *rappelle-moi à 8h* · *arrête les rappels* · *mon fuseau horaire est Paris*\n• *plus facile* · *plus difficile* · *plus doux* · *plus strict*\n• *explications en anglais*\n• *cancel* (abonnement) · *export my data* · *delete my data*",
        "it": "Puoi chiedermi, con parole tue:\n• *il verbo essere* · *gli articoli* · *i pronomi*\n• *le mie parole* · *i miei errori* · *i miei progressi*\n• *ricordami alle 8* · *basta promemoria* · *il mio fuso orario è Roma*\n• *più facile* · *più difficile* · *più gentile* · *più severo*\n• *spiegazioni in inglese*\n• *cancel* (abbonamento) · *export my data* · *delete my data*",
        "pt": "Podes pedir-me, com as tuas palavras:\n• *o verbo comer* · *os artigos* · *os pronomes*\n• *as minhas palavras* · *os meus erros* · *o meu progresso*\n• *lembra-me às 8* · *sem lembretes* · *o meu fuso horário é Lisboa*\n• *mais fácil* · *mais difícil* · *mais suave* · *mais rigoroso*\n• *explicações em inglês*\n• *cancelar* (assinatura) · *export my data* · *delete my data*",
        "de": "Du kannst mich in eigenen Worten bitten:\n• *konjugiere sein* · *die Artikel* · *die Pronomen*\n• *meine Wörter* · *meine Fehler* · *mein Fortschritt*\n• *erinnere mich um 8 Uhr* · *keine Erinnerungen mehr* · *meine Zeitzone ist Berlin*\n• *einfacher* · *schwieriger* · *sanfter* · *strenger*\n• *Erklärungen auf Englisch*\n• *cancel* (Abo) · *export my data* · *delete my data*",
    },
}


def say(name: str, native: str, **values) -> str:
    return in_language(_TEXTS[name], native, **values)


def language_name(code: str, native: str) -> str:
    """``code`` named in the learner's language, by Babel ("es" → "español" for a Spanish speaker)."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(native).languages.get(code) or code
    except (UnknownLocaleError, ValueError):
        return code
