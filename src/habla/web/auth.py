"""The operator's login: a secret (HABLA_ADMIN__TOKEN or a PBKDF2 password hash), a signed session cookie,
and a CSRF token on every form.

The session cookie is ``<expires>.<nonce>.<mac>``: an HMAC with a key derived from the configured secret, so
changing the secret logs everyone out and nothing is stored server-side (any API process can check it). The
CSRF token is an HMAC of the session's nonce: a page from this server carries it in each form, a page on
another site cannot know it. Before login a random value in a short cookie plays the same part (double submit).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from habla.config import AdminSettings

SESSION_COOKIE = "habla_admin"
LOGIN_COOKIE = "habla_login_csrf"
PBKDF2_ITERATIONS = 600_000  # OWASP's figure for PBKDF2-SHA256


def hash_password(password: str, iterations: int = PBKDF2_ITERATIONS) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` for HABLA_ADMIN__PASSWORD_HASH (`habla admin-password`)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${_b64(salt)}${_b64(digest)}"


def _verify_hash(password: str, encoded: str) -> bool:
    try:
        scheme, iterations, salt, expected = encoded.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), _unb64(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, _unb64(expected))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret(value) -> str | None:
    """A SecretStr's value, blank counting as not set."""
    if value is None:
        return None
    text = value.get_secret_value().strip()
    return text or None


class AdminAuth:
    def __init__(self, settings: AdminSettings) -> None:
        self._token = _secret(settings.token)
        self._hash = _secret(settings.password_hash)
        self._max_age_s = int(settings.session_hours * 3600)
        self.secure_cookie = settings.secure_cookie
        material = f"{self._token or ''}|{self._hash or ''}"
        self._key = hashlib.sha256(b"habla-admin-session\0" + material.encode()).digest()

    @property
    def configured(self) -> bool:
        return bool(self._token or self._hash)

    @property
    def max_age_s(self) -> int:
        return self._max_age_s

    def check_password(self, candidate: str) -> bool:
        if not candidate:
            return False
        if self._token and hmac.compare_digest(candidate.encode(), self._token.encode()):
            return True
        return bool(self._hash) and _verify_hash(candidate, self._hash)

    def new_session(self) -> str:
        expires = int(time.time()) + self._max_age_s
        nonce = secrets.token_urlsafe(16)
        return f"{expires}.{nonce}.{self._mac(f'{expires}.{nonce}')}"

    def session_nonce(self, cookie: str | None) -> str | None:
        """The nonce of a valid, unexpired session cookie, else None."""
        if not cookie or not self.configured:
            return None
        try:
            expires, nonce, mac = cookie.split(".")
            if int(expires) < time.time():
                return None
        except ValueError:
            return None
        return nonce if hmac.compare_digest(mac, self._mac(f"{expires}.{nonce}")) else None

    def csrf_for(self, nonce: str) -> str:
        return self._mac(f"csrf:{nonce}")

    def csrf_ok(self, nonce: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token, self.csrf_for(nonce))

    def _mac(self, text: str) -> str:
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()
