"""Text shapes an attacker (or a confused model) can send, handled in linear time and with no surprises
(issue 9, item 12): the WhatsApp formatter's patterns, and what counts as confirming an erasure."""

from __future__ import annotations

import subprocess
import sys

import pytest

from habla.domain.privacy import is_yes
from habla.domain.whatsapp_format import to_whatsapp

# Each took the old patterns minutes (24,000 characters of "[](" alone: about a minute); linear patterns
# finish all of them in well under a second. The subprocess limit only guards against a hang.
HOSTILE = ['"[](" * 16000', '"[" * 50000', '" __a " * 12000', '"**a " * 12000', '"~~a " * 12000',
           '"[a](x \\"" * 8000', '"[](x(" * 10000', '"![a](" * 10000']


@pytest.mark.parametrize("expression", HOSTILE)
def test_formatter_is_not_quadratic(expression):
    code = f"from habla.domain.whatsapp_format import to_whatsapp; to_whatsapp({expression})"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_links_still_convert():
    assert to_whatsapp("[Foo](https://en.wikipedia.org/wiki/Foo_(bar))") == "Foo (https://en.wikipedia.org/wiki/Foo_(bar))"
    assert to_whatsapp("mira [esto](<http://a.b/c> \"t\") y ![](http://x.y/i.png)") == "mira esto (http://a.b/c) y http://x.y/i.png"
    assert to_whatsapp("**a** __b__ ~~c~~ ***d***") == "*a* *b* ~c~ *_d_*"


@pytest.mark.parametrize("casual", ["ok", "OK!", "okay", "vale", "claro", "sure", "y", "👍"])
def test_casual_acknowledgements_do_not_confirm_erasure(casual):
    assert not is_yes(casual)


@pytest.mark.parametrize("meant", ["yes", "Yes!", "sí", "Sí, bórralo", "confirmo", "I confirm"])
def test_a_clear_yes_confirms_erasure(meant):
    assert is_yes(meant)
