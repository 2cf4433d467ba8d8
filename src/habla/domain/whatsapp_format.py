"""Turn the Markdown that LLMs leak into WhatsApp's own formatting.

Our prompt asks the model to write WhatsApp formatting (*bold*, _italic_, ~strike~, ```mono```), so this
only repairs Markdown habits: **bold**, __bold__, ~~strike~~, # headings, - bullets and [text](url) links.

Deliberate decision: a single-asterisk span such as "*hola*" is left alone. In Markdown it means italic, but
a model told to use WhatsApp formatting emits it meaning bold, and that is what WhatsApp shows. Converting
it to _italic_ would break the common, correct case to fix a rare one. It also keeps the function
idempotent: its own output (*bold*) passes through unchanged.

Code is never touched: fenced blocks (```...```, also an unclosed fence at the end of a cut-off reply) and
`inline code` (WhatsApp renders single backticks as monospace too) are swapped for placeholders first.
"""

from __future__ import annotations

import re

# Private-use characters cannot come from the model and match none of the patterns below.
_OPEN, _CLOSE = "\ue000", "\ue001"
_PLACEHOLDER = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_CODE = re.compile(r"```[\s\S]*?(?:```|\Z)|`[^`\n]+`")

_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_RULE = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")  # --- *** ___ : keep as they are
_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+(?=\S)")
# Every pattern below is linear in the line, whatever the model (or a learner quoting text at us) sends:
# the label and the URL cannot run across another "[" or "]", and a span's content cannot run across
# another opening marker, so each start scans only up to the next marker instead of to the end of the line
# (the old patterns took a minute on 24,000 characters of "[](").
_IMAGE_OR_LINK = re.compile(
    r"!?\[([^\[\]\n]*)\]\(\s*<?([^()\[\]\s<>]++(?:\([^()\[\]\s]*\)[^()\[\]\s<>]*+)*+)>?(?:\s+\"[^\"\n]*\")?\s*\)"
)
# Content must start and end with a non-space, non-marker character, so "****" or "** x **" stay as typed.
_BOLD_ITALIC = re.compile(r"\*\*\*(?=[^\s*])((?:(?!\*\*\*).)+?)(?<=[^\s*])\*\*\*")
_BOLD_STARS = re.compile(r"\*\*(?=[^\s*])((?:(?!\*\*).)+?)(?<=[^\s*])\*\*")
# __bold__ only at word edges: snake__case identifiers are not formatting.
_BOLD_UNDERSCORES = re.compile(r"(?<!\w)__(?=[^\s_])((?:(?!__).)+?)(?<=[^\s_])__(?!\w)")
_WA_BOLD = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]*?)(?<=[^\s*])\*(?![\w*])")
_STRIKE = re.compile(r"~~(?=[^\s~])((?:(?!~~).)+?)(?<=[^\s~])~~")


def to_whatsapp(markdown: str) -> str:
    """Return ``markdown`` with Markdown-only syntax rewritten as WhatsApp formatting."""
    protected: list[str] = []

    def stash(match: re.Match[str]) -> str:
        protected.append(match.group())
        return f"{_OPEN}{len(protected) - 1}{_CLOSE}"

    text = _CODE.sub(stash, markdown)
    text = "\n".join(_convert_line(line) for line in text.split("\n"))
    return _PLACEHOLDER.sub(lambda m: protected[int(m.group(1))], text)


def _convert_line(line: str) -> str:
    if _RULE.match(line):
        return line
    heading = _HEADING.match(line)
    if heading:
        return _heading(heading.group(1))
    bullet = _BULLET.match(line)
    if bullet:
        return f"{bullet.group(1)}• {_convert_inline(line[bullet.end():])}"
    return _convert_inline(line)


def _heading(content: str) -> str:
    # WhatsApp has no headings; a bold line reads as one. Bold inside it would nest "*a *b**", which
    # WhatsApp renders with stray stars, so inner bold spans are unwrapped first.
    inner = _WA_BOLD.sub(r"\1", _convert_inline(content)).strip()
    return f"*{inner}*" if inner else ""


def _convert_inline(text: str) -> str:
    # Order matters: *** before ** (else "***x***" leaves stray stars), and ** becomes single-star bold,
    # which no later rule rewrites, so bold never turns into italic.
    text = _IMAGE_OR_LINK.sub(_link, text)
    text = _BOLD_ITALIC.sub(r"*_\1_*", text)
    text = _BOLD_STARS.sub(r"*\1*", text)
    text = _BOLD_UNDERSCORES.sub(r"*\1*", text)
    return _STRIKE.sub(r"~\1~", text)


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1).strip(), match.group(2)
    # WhatsApp links bare URLs by itself; "text (url)" keeps both when they differ.
    if not label or label == url:
        return url
    return f"{label} ({url})"
