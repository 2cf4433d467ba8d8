"""Voice notes are opened only as the audio containers we accept, by explicit demuxer (issue 9, item 5):
an ffconcat script, a playlist or any other file FFmpeg could probe never reaches its demuxer."""

from __future__ import annotations

import os

import pytest

from habla.errors import AudioCorrupt, AudioUnsupported
from habla.voice.decode import decode
from habla.voice.encode import FORMATS, encode
from habla.voice.sniff import AAC, FLAC, MP3, container_of
from habla_testkit.audio import RATE, note, random_bytes, speech


def test_an_ffconcat_script_does_not_read_files_off_the_server(tmp_path, monkeypatch):
    """The reported attack: 46 bytes that make FFmpeg's concat demuxer decode a WAV it finds on disk."""
    secret = tmp_path / "private-records.wav"
    secret.write_bytes(note(speech("Mi número secreto es cuatro.", "es"), "wav"))
    monkeypatch.chdir(tmp_path)
    script = b"ffconcat version 1.0\nfile private-records.wav\n"
    assert len(script) == 46
    with pytest.raises(AudioUnsupported):
        decode(script)


@pytest.mark.parametrize("hostile", [
    b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
    b"<html><body>not audio</body></html>",
    b"concat:/etc/passwd|/etc/hostname",
])
def test_playlists_and_text_are_unsupported(hostile):
    with pytest.raises(AudioUnsupported):
        decode(hostile)


def test_unknown_binary_is_damaged_audio():
    with pytest.raises(AudioCorrupt):
        decode(random_bytes())
    with pytest.raises(AudioCorrupt):
        decode(b"\x00\x00\x00\x00" + os.urandom(2000))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_learners_send_is_recognised(fmt):
    assert container_of(note(speech("hola", "es"), fmt)) is not None


def test_flac_aac_and_mp3_frames_are_recognised_and_decode():
    import av
    import io
    import numpy as np

    samples = speech("Buenos días.", "es")
    for codec, fmt, expected in (("flac", "flac", FLAC), ("aac", "adts", AAC)):
        buffer = io.BytesIO()
        with av.open(buffer, "w", format=fmt) as container:
            stream = container.add_stream(codec, rate=RATE if codec == "flac" else 44_100)
            stream.layout = "mono"
            resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=stream.rate)
            frame = av.AudioFrame.from_ndarray((samples * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = RATE
            for out in resampler.resample(frame):
                container.mux(stream.encode(out))
            container.mux(stream.encode(None))
        data = buffer.getvalue()
        assert container_of(data) == expected
        assert decode(data).duration_s > 0.5
    mp3 = note(samples, "mp3")
    assert container_of(mp3) == MP3
    if mp3.startswith(b"ID3"):  # the same frames without their tag are still MP3
        size = int.from_bytes(bytes(b & 0x7F for b in mp3[6:10]), "big") + 10
        assert container_of(mp3[size:]) == MP3
