"""Which hosts may serve a learner's media, checked before a URL is fetched and on every redirect.

A media URL reaches us inside a webhook (Twilio's MediaUrl0) or a Graph lookup, and the download carries
our credentials (Twilio's basic auth, Meta's bearer token). A URL pointing anywhere else would make the
server fetch it for an attacker (a request into our own network) and, for Graph, hand them the access token.
So a URL is fetched only when it is https on the provider's media hosts, or on the configured API origin
itself (the provider's API, or an emulator on loopback in tests).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from habla.errors import MediaError

# Twilio's MediaUrl is on api.twilio.com, which redirects to a short-lived URL on mms.twiliocdn.com (media
# behind HTTP auth) or to Twilio's bucket on S3 (older, public media); a pattern with a path allows only it.
TWILIO_MEDIA_HOSTS = ("api.twilio.com", "*.twiliocdn.com", "s3-external-1.amazonaws.com/media.twiliocdn.com/")
# Graph hands out lookaside.fbsbx.com URLs; Meta also serves media from its CDNs.
GRAPH_MEDIA_HOSTS = ("lookaside.fbsbx.com", "*.fbsbx.com", "*.fbcdn.net", "*.whatsapp.net")
MAX_REDIRECTS = 3


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def check_media_url(url: str, hosts: tuple[str, ...], api_base: str) -> None:
    """Raises MediaError unless ``url`` may be fetched (see the module docstring)."""
    scheme, host, _ = origin(url)
    api_scheme, api_host, _ = origin(api_base)
    if host and host == api_host and scheme == api_scheme:
        return
    path = urlsplit(url).path
    if scheme != "https" or not host or not any(_matches(host, path, pattern) for pattern in hosts):
        raise MediaError(f"media URL on an unexpected host ({host or 'none'}); not fetched")


def _matches(host: str, path: str, pattern: str) -> bool:
    pattern_host, slash, prefix = pattern.partition("/")
    if slash and not path.startswith("/" + prefix):
        return False
    if pattern_host.startswith("*."):
        return host.endswith(pattern_host[1:])
    return host == pattern_host
