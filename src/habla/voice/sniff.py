"""Which container a voice note is, from its first bytes, before any FFmpeg demuxer sees it.

`av.open` without a format lets FFmpeg probe the bytes against every demuxer it has, and some of those read
other files: a 46-byte "voice note" that was an ``ffconcat`` script ("ffconcat version 1.0 / file x.wav")
made the server decode a WAV from its working directory and answer "I heard: …" with its contents; HLS
playlists, ``concat:`` and image sequences are the same kind of door. So the container is recognised here
from its magic bytes, only the audio containers learners' phones and browsers send are allowed, and the
decoder is opened with that one demuxer, by name (the other probes never run).
"""

from __future__ import annotations

# demuxer names as FFmpeg's av_find_input_format knows them
OGG, MATROSKA, MP4, MP3, WAV, AAC, FLAC = "ogg", "matroska", "mp4", "mp3", "wav", "aac", "flac"
ALLOWED = (OGG, MATROSKA, MP4, MP3, WAV, AAC, FLAC)


def container_of(data: bytes) -> str | None:
    """The allowed container these bytes start with, or None (not one we accept)."""
    head = data[:12]
    if head.startswith(b"OggS"):
        return OGG  # WhatsApp's Ogg/Opus voice notes
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return MATROSKA  # WebM (browsers' MediaRecorder) and Matroska
    if head[4:8] == b"ftyp":
        return MP4  # M4A/MP4 (iPhones, Android recorders)
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"ID3"):
        return MP3  # an ID3 tag in front of MPEG audio frames
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # an MPEG audio frame sync: layer bits 00 mean ADTS (AAC), anything else MPEG-1/2 layer I–III
        return AAC if head[1] & 0x06 == 0 else MP3
    return None


def looks_like_text(data: bytes) -> bool:
    """A playlist, a script or a web page sent as audio: "not audio" rather than "damaged audio"."""
    sample = data[:256]
    if not sample:
        return False
    printable = sum(1 for byte in sample if 32 <= byte < 127 or byte in (9, 10, 13))
    return printable / len(sample) > 0.95
