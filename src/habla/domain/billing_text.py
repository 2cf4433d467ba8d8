"""What the tutor says about payments, limits and cancelling, in the learner's language, and the "cancel"
command (recognised only as a whole message, like the privacy commands)."""

from __future__ import annotations

from habla.domain.notices import localized
from habla.domain.privacy import _normalise, is_yes

TEXTS: dict[str, dict[str, str]] = {
    "limit_reached": {
        "en": "🎓 You've used your {limit} free messages with Habla. A plan gives you up to {daily} messages a "
        "day with your tutor, voice notes included: {url}",
        "es": "🎓 Has usado tus {limit} mensajes gratis con Habla. Con un plan tienes hasta {daily} mensajes al "
        "día con tu tutor, notas de voz incluidas: {url}",
    },
    "reminder": {
        "en": "🔒 Your free messages are used up. To keep practising: {url}",
        "es": "🔒 Se acabaron tus mensajes gratis. Para seguir practicando: {url}",
    },
    "daily_limit": {
        "en": "⏸️ That's today's {daily} messages. We continue after midnight your time (in about {hours} h).",
        "es": "⏸️ Ya van los {daily} mensajes de hoy. Seguimos después de medianoche en tu hora (en unas {hours} h).",
    },
    "slow_down": {
        "en": "🐢 That's a lot of messages at once. Give me a moment, then write again.",
        "es": "🐢 Son muchos mensajes de golpe. Dame un momento y vuelve a escribir.",
    },
    "activated": {
        "en": "✅ Your Habla plan is active. Thank you!",
        "es": "✅ Tu plan de Habla está activo. ¡Gracias!",
    },
    "confirm_cancel": {
        "en": "Do you want to cancel your Habla plan? Reply *yes* to confirm; anything else keeps it.",
        "es": "¿Quieres cancelar tu plan de Habla? Responde *sí* para confirmar; cualquier otra cosa lo mantiene.",
    },
    "cancel_kept": {
        "en": "👍 OK, your plan stays as it is.",
        "es": "👍 De acuerdo, tu plan sigue igual.",
    },
    "cancelled_at_period_end": {
        "en": "Done: your plan will not renew. You keep full access until {date}, and nothing more will be charged.",
        "es": "Hecho: tu plan no se renovará. Mantienes el acceso completo hasta el {date} y no se cobrará nada más.",
    },
    "one_time_nothing_to_cancel": {
        "en": "Your plan was a one-time payment, so there is nothing to cancel and nothing more will be charged. "
        "Your access continues as it is.",
        "es": "Tu plan fue un pago único, así que no hay nada que cancelar ni se cobrará nada más. Tu acceso "
        "sigue como está.",
    },
    "portal": {
        "en": "You can cancel your plan here (it stays active until the end of the period you paid for): {url}",
        "es": "Puedes cancelar tu plan aquí (sigue activo hasta el final del periodo pagado): {url}",
    },
    "nothing_to_cancel": {
        "en": "You're on the free plan, so there is nothing to cancel.",
        "es": "Estás en el plan gratuito, así que no hay nada que cancelar.",
    },
    "cancel_failed": {
        "en": "⚠️ I couldn't reach the payment service just now, so nothing changed. Please write *cancel* again "
        "in a few minutes.",
        "es": "⚠️ Ahora mismo no pude contactar con el servicio de pagos, así que no cambió nada. Escribe "
        "*cancelar* de nuevo en unos minutos.",
    },
}

_CANCEL = {
    "en": {"cancel", "cancel my plan", "cancel plan", "cancel my subscription", "cancel subscription", "unsubscribe"},
    "es": {"cancelar", "cancela", "cancelar mi plan", "cancela mi plan", "cancelar suscripcion",
           "cancelar mi suscripcion", "cancela mi suscripcion", "darme de baja", "dame de baja"},
}


def text(name: str, language: str, **values: object) -> str:
    return localized(TEXTS, name, language, **values)


def cancel_command(message: str) -> str | None:
    """The language the whole message asks to cancel in, or None."""
    said = _normalise(message)
    for language, phrases in _CANCEL.items():
        if said in phrases:
            return language
    return None


def confirms(message: str) -> bool:
    return is_yes(message)
