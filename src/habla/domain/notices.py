"""Fixed things the tutor says without a model: when input is odd or a part of the system is down.

Written in the learner's native language when we have it, English otherwise, so a learner always
understands what happened.
"""

from __future__ import annotations
from habla.domain.text import in_language

NOTICES: dict[str, dict[str, str]] = {
    "not_configured": {
        "en": "👋 Habla is running, but its tutor has no language model yet. The operator can run "
        "`habla model pull` (a local model, no account needed) or set an LLM endpoint (HABLA_LLM__FAST__*; "
        "`habla doctor` says what to set). Your message was saved.",
        "es": "👋 Habla está en marcha, pero el tutor aún no tiene modelo de lenguaje. Quien lo administra puede "
        "ejecutar `habla model pull` (un modelo local, sin cuenta) o indicar un servicio de LLM "
        "(HABLA_LLM__FAST__*; `habla doctor` dice qué falta). Tu mensaje quedó guardado.",
    },
    "unavailable": {
        "en": "⚠️ I couldn't reach my language model just now (it's busy or down). Your message was saved; "
        "please send it again in a minute.",
        "es": "⚠️ Ahora mismo no pude contactar con mi modelo de lenguaje (está saturado o caído). Tu mensaje "
        "quedó guardado; vuelve a enviarlo en un minuto.",
    },
    "empty": {
        "en": "I got an empty message. Write me something, in any language, and we'll practise!",
        "es": "Me llegó un mensaje vacío. Escríbeme algo, en el idioma que quieras, ¡y practicamos!",
    },
    "truncated": {
        "en": "✂️ That message was long ({length} characters), so I read the first {limit}. Send the rest in "
        "shorter messages and I'll read it too.",
        "es": "✂️ Tu mensaje era largo ({length} caracteres), así que leí los primeros {limit}. Envía el resto en "
        "mensajes más cortos y también lo leo.",
    },
    "garbled": {
        "en": "Part of your message arrived garbled (some characters could not be read); I answered what I "
        "could read.",
        "es": "Parte de tu mensaje llegó dañada (algunos caracteres no se podían leer); respondí a lo que pude "
        "leer.",
    },
    "group": {
        "en": "👋 I'm Habla, a language tutor for one-to-one chats, so I don't take part in groups. Write to "
        "me directly and we'll practise!",
        "es": "👋 Soy Habla, un tutor de idiomas para chats individuales, así que no participo en grupos. "
        "Escríbeme directamente y practicamos.",
    },
    "unsupported_kind": {
        "en": "I can read text messages for now. Please write to me and we'll keep practising!",
        "es": "Por ahora leo mensajes de texto. ¡Escríbeme y seguimos practicando!",
    },
}


def notice(name: str, language: str, **values: object) -> str:
    return localized(NOTICES, name, language, **values)


def localized(table: dict[str, dict[str, str]], name: str, language: str, **values: object) -> str:
    """``table[name]`` in the learner's language when we have it, English otherwise, filled in."""
    return in_language(table[name], language, **values)
